-- Productivity per therapist and pay period: billed units per paid hour (clinical + admin; PTO is paid
-- but not worked) against the target in credentialing_rules. Only clinical staff count against the target:
-- people on the payroll who are not treating providers in the EHR (front desk, billing, managers) have no
-- billed units by design, so they get no row rather than a "below target" one.
with

days as (

    select * from {{ ref('int_payroll_days') }}

),

rules as (

    select * from {{ ref('credentialing_rules') }}
    where rule_set = 'default'

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

periods as (

    select
        provider_id,
        min(location_id) as location_id,
        pay_period_start,
        pay_period_end,
        sum(session_count) as session_count,
        sum(billed_units) as billed_units,
        sum(clinical_hours) as clinical_hours,
        sum(admin_hours) as admin_hours,
        sum(pto_hours) as pto_hours
    from days
    where pay_period_start is not null
    group by provider_id, pay_period_start, pay_period_end

),

final as (

    select
        periods.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        periods.location_id,
        periods.pay_period_start,
        periods.pay_period_end,
        periods.session_count,
        periods.billed_units,
        cast(periods.clinical_hours + periods.admin_hours as decimal(8, 2)) as paid_worked_hours,
        cast(periods.pto_hours as decimal(8, 2)) as pto_hours,
        case
            when periods.clinical_hours + periods.admin_hours > 0
                then cast(periods.billed_units / (periods.clinical_hours + periods.admin_hours) as decimal(8, 2))
        end as units_per_paid_hour,
        rules.productivity_target_units_per_hour,
        coalesce(
            periods.billed_units / nullif(periods.clinical_hours + periods.admin_hours, 0)
            < rules.productivity_target_units_per_hour,
            false
        ) as is_below_target
    from periods
    inner join providers
        on periods.provider_id = providers.provider_id
    cross join rules

)

select * from final
