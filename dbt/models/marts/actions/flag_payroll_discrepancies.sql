{%- set rule_name = 'payroll_discrepancy' -%}
{%- set rule_version = '1' -%}
-- Payroll discrepancies to settle before payroll runs, one row per provider and open pay period with at
-- least one flagged day in fct_payroll_reconciliation.
with

days as (

    select * from {{ ref('fct_payroll_reconciliation') }}
    where is_flagged

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

grouped as (

    select
        provider_id,
        min(location_id) as location_id,
        pay_period_start,
        pay_period_end,
        min(payroll_run_date) as payroll_run_date,
        count(*) as discrepancy_day_count,
        sum(case when discrepancy_type = 'sessions_without_hours' then 1 else 0 end) as sessions_without_hours_days,
        sum(case when discrepancy_type = 'hours_without_sessions' then 1 else 0 end) as hours_without_sessions_days,
        sum(case when discrepancy_type = 'hours_over_tolerance' then 1 else 0 end) as hours_over_tolerance_days,
        sum(session_hours) as session_hours,
        sum(clinical_hours) as clinical_hours,
        sum(hours_difference) as net_hours_difference
    from days
    group by provider_id, pay_period_start, pay_period_end

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'grouped.provider_id', "':'",
            "cast(grouped.pay_period_start as " ~ dbt.type_string() ~ ")"
        ])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        grouped.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        grouped.location_id,
        grouped.pay_period_start,
        grouped.pay_period_end,
        grouped.payroll_run_date,
        grouped.discrepancy_day_count,
        grouped.sessions_without_hours_days,
        grouped.hours_without_sessions_days,
        grouped.hours_over_tolerance_days,
        cast(grouped.session_hours as decimal(8, 2)) as session_hours,
        cast(grouped.clinical_hours as decimal(8, 2)) as clinical_hours,
        cast(grouped.net_hours_difference as decimal(8, 2)) as net_hours_difference,
        grouped.payroll_run_date as due_date
    from grouped
    left join providers
        on grouped.provider_id = providers.provider_id

)

select * from final
