-- Payroll reconciliation: one row per provider and day with completed sessions or timesheet hours,
-- comparing paid clinical hours with session hours. A day is a discrepancy when sessions have no hours,
-- hours have no sessions, or the two differ by more than the tolerance; it is flagged while payroll has
-- not run for its pay period (pay_period_end + payroll_run_lag_days >= as-of date).
with

days as (

    select * from {{ ref('int_payroll_days') }}

),

rules as (

    select * from {{ ref('credentialing_rules') }}
    where rule_set = 'default'

),

classified as (

    select
        days.*,
        cast(days.clinical_hours - days.session_hours as decimal(8, 2)) as hours_difference,
        case
            when days.session_minutes > 0 and days.clinical_hours = 0 then 'sessions_without_hours'
            when days.clinical_hours > 0 and days.session_minutes = 0 then 'hours_without_sessions'
            when
                abs(days.clinical_hours - days.session_hours) > rules.payroll_tolerance_hours
                then 'hours_over_tolerance'
        end as discrepancy_type,
        rules.payroll_tolerance_hours,
        {{ date_add_days('rules.payroll_run_lag_days', 'days.pay_period_end') }} as payroll_run_date
    from days
    cross join rules

),

final as (

    select
        classified.*,
        classified.payroll_run_date >= {{ as_of_date() }} as is_open_pay_period,
        classified.discrepancy_type is not null and classified.payroll_run_date >= {{ as_of_date() }} as is_flagged,
        {{ as_of_date() }} as as_of_date
    from classified

)

select * from final
