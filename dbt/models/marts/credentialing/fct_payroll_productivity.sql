-- Productivity per therapist and pay period: billed units per paid hour (clinical + admin; PTO is paid
-- but not worked) against the target in credentialing_rules.
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
    cross join rules
    left join providers
        on periods.provider_id = providers.provider_id

)

select * from final
