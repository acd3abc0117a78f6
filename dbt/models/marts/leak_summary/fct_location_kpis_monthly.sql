-- The director's KPIs per location and calendar month (twelve months up to the as-of month), one row per
-- KPI, with the benchmark from seed kpi_benchmarks (kept-visit rate: the group's attendance policy).
-- A KPI with nothing to count in a month (no claims, no visits) is null, never 0/0 or 0.
{%- set attendance_min_rate = var('scheduling_attendance_min_rate') %}
{%- set ar_over_days = 90 %}
with

locations as (

    select * from {{ ref('dim_locations') }}

),

benchmarks as (

    select * from {{ ref('kpi_benchmarks') }}

),

clean_rate as (

    select * from {{ ref('fct_claim_clean_rate') }}

),

remit_lines as (

    select * from {{ ref('int_remit_lines_posted') }}

),

claim_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

months as (

    {{ leak_summary_months() }}

),

-- The as-of month is measured up to the as-of date, earlier months up to their last day.
month_bounds as (

    select
        month_start,
        months_back,
        case
            when months_back = 0 then {{ as_of_date() }}
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date)
        end as measured_through
    from months

),

-- Clean-claim rate: clean claims / claims by month of service (fct_claim_clean_rate, all payers).
clean_claims as (

    select
        location_id,
        cast(service_month as date) as month_start,
        'clean_claim_rate' as kpi,
        cast(sum(clean_claim_count) as {{ type_double() }}) as numerator,
        cast(sum(claim_count) as {{ type_double() }}) as denominator
    from clean_rate
    where service_month <= {{ as_of_date() }}
    group by location_id, cast(service_month as date)

),

-- Initial denial rate: a claim's first 835 answer (earliest payment date, reversals excluded), by the
-- month of that answer. Count: claims with any denied line / claims answered. Dollars: denied / charged
-- on the lines of that first answer. Denied = adjustments the CARC seed classes as denials: contractual
-- write-downs (CO-45, CO-59 under the payer's multiple-procedure reduction), patient cost share and CARCs
-- nobody has classified yet are not denials.
first_answers as (

    select
        claim_id,
        min(payment_date) as first_payment_date
    from remit_lines
    where not is_reversal and claim_id is not null
    group by claim_id

),

first_answer_claims as (

    select
        remit_lines.claim_id,
        max(remit_lines.location_id) as location_id,
        first_answers.first_payment_date,
        max(case when remit_lines.denial_amount > 0 then 1 else 0 end) as is_denied,
        sum(coalesce(remit_lines.denial_amount, 0)) as denied_amount,
        sum(coalesce(remit_lines.charge_amount, 0)) as charge_amount
    from remit_lines
    inner join first_answers
        on
            remit_lines.claim_id = first_answers.claim_id
            and remit_lines.payment_date = first_answers.first_payment_date
    where not remit_lines.is_reversal
    group by remit_lines.claim_id, first_answers.first_payment_date

),

denials_monthly as (

    select
        location_id,
        cast({{ dbt.date_trunc('month', 'first_payment_date') }} as date) as month_start,
        cast(sum(is_denied) as {{ type_double() }}) as denied_claims,
        cast(count(*) as {{ type_double() }}) as answered_claims,
        cast(sum(denied_amount) as {{ type_double() }}) as denied_amount,
        cast(sum(charge_amount) as {{ type_double() }}) as charge_amount
    from first_answer_claims
    where location_id is not null and first_payment_date <= {{ as_of_date() }}
    group by location_id, cast({{ dbt.date_trunc('month', 'first_payment_date') }} as date)

),

denial_count_rate as (

    select
        location_id,
        month_start,
        'initial_denial_rate_count' as kpi,
        denied_claims as numerator,
        answered_claims as denominator
    from denials_monthly

),

denial_dollar_rate as (

    select
        location_id,
        month_start,
        'initial_denial_rate_dollars' as kpi,
        denied_amount as numerator,
        charge_amount as denominator
    from denials_monthly

),

-- A/R over 90 days: at each month's measured-through date, every claim billed for a date of service on or
-- before it carries an open balance: its billed charge less what the payer's answers up to that date settled
-- (paid, written off by contract, moved to the patient; reversals net out). Unanswered, denied and partly paid
-- claims are open; over 90 = service more than 90 days before that date. Share of open A/R dollars.
claims as (

    select
        claim_id,
        max(location_id) as location_id,
        min(service_date) as service_date,
        sum(charge_amount) as charge_amount
    from claim_lines
    where location_id is not null
    group by claim_id

),

-- What the payer's answers settled of each claim by each month's measured-through date, one column per month
-- (settled_<months_back>): the remit lines are read once, not once per month.
settled_by_claim as (

    select
        {%- for months_back in range(var('leak_summary_months')) %}
        sum(
            case
                when
                    remit_lines.payment_date <= (
                        select month_bounds.measured_through
                        from month_bounds
                        where month_bounds.months_back = {{ months_back }}
                    )
                    then
                        coalesce(remit_lines.paid_amount, 0)
                        + coalesce(remit_lines.contractual_amount, 0)
                        + coalesce(remit_lines.patient_responsibility_amount, 0)
            end
        ) as settled_{{ months_back }},
        {%- endfor %}
        remit_lines.claim_id
    from remit_lines
    where remit_lines.claim_id is not null
    group by remit_lines.claim_id

),

open_balances as (

    select
        claims.location_id,
        claims.service_date,
        month_bounds.month_start,
        month_bounds.measured_through,
        case month_bounds.months_back
            {%- for months_back in range(var('leak_summary_months')) %}
            when {{ months_back }} then claims.charge_amount - coalesce(settled_by_claim.settled_{{ months_back }}, 0)
            {%- endfor %}
        end as open_amount
    from claims
    cross join month_bounds
    left join settled_by_claim
        on claims.claim_id = settled_by_claim.claim_id
    where claims.service_date <= month_bounds.measured_through

),

ar_monthly as (

    select
        location_id,
        month_start,
        'ar_over_90_rate' as kpi,
        cast(sum(
            case
                when service_date < {{ date_add_days(-ar_over_days, 'measured_through') }}
                    then open_amount
                else 0
            end
        ) as {{ type_double() }}) as numerator,
        cast(sum(open_amount) as {{ type_double() }}) as denominator
    from open_balances
    where open_amount > 0
    group by location_id, month_start

),

-- Kept-visit rate: kept / (kept + no-show + late-cancelled), the attendance policy's own definition
-- (fct_attendance_policy): cancellations with notice do not count against the family.
kept_visits as (

    select
        location_id,
        cast({{ dbt.date_trunc('month', 'local_date') }} as date) as month_start,
        'kept_visit_rate' as kpi,
        cast(sum(case when status = 'arrived' then 1 else 0 end) as {{ type_double() }}) as numerator,
        cast(count(*) as {{ type_double() }}) as denominator
    from appointments
    where
        status in ('arrived', 'no_show', 'late_cancelled')
        and local_date <= {{ as_of_date() }}
    group by location_id, cast({{ dbt.date_trunc('month', 'local_date') }} as date)

),

measured as (

    select * from clean_claims
    union all
    select * from denial_count_rate
    union all
    select * from denial_dollar_rate
    union all
    select * from ar_monthly
    union all
    select * from kept_visits

),

final as (

    select
        locations.location_id,
        locations.location_name,
        months.month_start,
        months.months_back,
        benchmarks.kpi,
        benchmarks.kpi_label,
        coalesce(measured.numerator, 0) as numerator,
        coalesce(measured.denominator, 0) as denominator,
        case when measured.denominator > 0 then measured.numerator / measured.denominator end as kpi_value,
        case
            when benchmarks.kpi = 'kept_visit_rate' then cast({{ attendance_min_rate }} as {{ type_double() }})
            else benchmarks.benchmark_value
        end as benchmark_value,
        benchmarks.higher_is_better,
        benchmarks.population as benchmark_population,
        benchmarks.denominator as benchmark_denominator,
        benchmarks.source as benchmark_source,
        benchmarks.verification as benchmark_verification,
        {{ as_of_date() }} as as_of_date
    from locations
    cross join months
    cross join benchmarks
    left join measured
        on
            locations.location_id = measured.location_id
            and months.month_start = measured.month_start
            and benchmarks.kpi = measured.kpi

)

select
    *,
    case
        when kpi_value is null or benchmark_value is null then null
        when higher_is_better then kpi_value >= benchmark_value
        else kpi_value <= benchmark_value
    end as meets_benchmark
from final
