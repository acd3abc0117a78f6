{%- set rule_name = 'eligibility_check_due' -%}
{%- set rule_version = '1' -%}
-- Front-desk tasks: run an eligibility check before a visit in the lookahead whose last check is missing,
-- rejected or older than the payer's window (now open), or a Medicaid visit today without a check today;
-- both reasons at once are one task that names both. flag_id is stable per (rule, version, appointment,
-- reasons) so a new reason drafts a new task (and the task it replaces auto-resolves).
with

sweep as (

    select * from {{ ref('fct_eligibility_sweep') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'appointment_id', "':'", 'check_due_reasons'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        as_of_date,
        appointment_id,
        location_id,
        patient_id,
        provider_id,
        scheduled_start_at,
        appointment_date,
        coverage_id,
        payer_id,
        payer_name,
        payer_type,
        eligibility_window_hours,
        window_opens_at,
        last_attempt_id,
        last_attempted_at,
        last_attempt_status,
        last_attempt_reject_code,
        last_check_id,
        last_checked_at,
        check_due_reason,
        check_due_reasons,
        check_due_reason_text as flag_reason,
        coalesce(expected_visit_amount, 0) as dollars_at_risk,
        appointment_date as due_date
    from sweep
    where is_check_due

)

select * from final
