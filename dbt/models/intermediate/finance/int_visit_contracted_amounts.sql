-- What each kept visit (on or before the as-of date) is worth under the payer's contract:
-- sum over its charge lines of the fee-schedule allowed amount per unit x units. A fee row for the
-- line's modifier wins over the row without a modifier; the latest effective row wins among equals.
with

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

fee_schedules as (

    select * from {{ ref('stg_contracts__fee_schedules') }}

),

visits_with_payer as (

    select
        visits.visit_id,
        visits.appointment_id,
        visits.patient_id,
        visits.location_id,
        visits.date_of_service,
        coverages.payer_id
    from visits
    inner join coverages
        on visits.coverage_id = coverages.coverage_id
    where visits.date_of_service <= {{ as_of_date() }}

),

-- Each charge line with its visit's payer and date, joined before the fee schedules: the fee rows match on
-- payer and code together (joining the visits to every fee row of their payer first multiplies the rows).
visit_charge_lines as {{ materialized_cte() }} (

    select
        charge_lines.visit_id,
        charge_lines.line_number,
        charge_lines.units,
        charge_lines.cpt_code,
        charge_lines.modifiers,
        visits_with_payer.payer_id,
        visits_with_payer.date_of_service
    from visits_with_payer
    inner join charge_lines
        on visits_with_payer.visit_id = charge_lines.visit_id

),

candidate_fees as (

    select
        visit_charge_lines.visit_id,
        visit_charge_lines.line_number,
        visit_charge_lines.units,
        fee_schedules.allowed_amount,
        row_number() over (
            partition by visit_charge_lines.visit_id, visit_charge_lines.line_number
            order by
                case when fee_schedules.modifier is null then 1 else 0 end,
                fee_schedules.effective_date desc
        ) as fee_rank
    from visit_charge_lines
    inner join fee_schedules
        on
            visit_charge_lines.payer_id = fee_schedules.payer_id
            and visit_charge_lines.cpt_code = fee_schedules.cpt_code
            and visit_charge_lines.date_of_service >= fee_schedules.effective_date
            and (
                fee_schedules.termination_date is null
                or visit_charge_lines.date_of_service <= fee_schedules.termination_date
            )
            and (
                fee_schedules.modifier is null
                or (
                    visit_charge_lines.modifiers is not null
                    and {{ pipe_list_contains('visit_charge_lines.modifiers', 'fee_schedules.modifier') }}
                )
            )

),

priced_lines as (

    select
        visit_id,
        count(*) as priced_line_count,
        sum(allowed_amount * units) as contracted_amount
    from candidate_fees
    where fee_rank = 1
    group by visit_id

),

line_counts as (

    select
        visit_id,
        count(*) as line_count
    from charge_lines
    group by visit_id

),

final as (

    select
        visits_with_payer.visit_id,
        visits_with_payer.appointment_id,
        visits_with_payer.patient_id,
        visits_with_payer.payer_id,
        visits_with_payer.location_id,
        visits_with_payer.date_of_service,
        cast(priced_lines.contracted_amount as decimal(12, 2)) as contracted_amount,
        coalesce(priced_lines.priced_line_count, 0) as priced_line_count,
        coalesce(line_counts.line_count, 0) - coalesce(priced_lines.priced_line_count, 0) as unpriced_line_count
    from visits_with_payer
    left join priced_lines
        on visits_with_payer.visit_id = priced_lines.visit_id
    left join line_counts
        on visits_with_payer.visit_id = line_counts.visit_id

)

select * from final
