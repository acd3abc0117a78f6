-- One row per flagged work day behind a flag in flag_payroll_discrepancies: the days the report lists.
with

flags as (

    select * from {{ ref('flag_payroll_discrepancies') }}

),

reconciliation as (

    select * from {{ ref('fct_payroll_reconciliation') }}

),

final as (

    select
        flags.flag_id,
        reconciliation.work_date,
        reconciliation.discrepancy_type,
        reconciliation.session_count,
        reconciliation.session_hours,
        reconciliation.clinical_hours,
        reconciliation.hours_difference
    from reconciliation
    inner join flags
        on
            reconciliation.provider_id = flags.provider_id
            and reconciliation.pay_period_start = flags.pay_period_start
    where reconciliation.is_flagged

)

select * from final
