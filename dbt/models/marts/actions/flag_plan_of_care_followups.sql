{%- set rule_name = 'plan_of_care_followup' -%}
{%- set rule_version = '1' -%}
-- Plan-of-care follow-ups to send to the physician for signature: a recertification due by days (payer
-- rule), or a plan of care (the order sent to the physician, often the
-- child's primary care physician) still unsigned past the chase window. One row per plan and reason;
-- flag_id = md5(rule:version:plan_of_care_id:reason) stays stable while the signature follow-up's due
-- date moves on every 7 days until the plan is signed. A progress report is never sent for a physician's
-- signature (the therapist writes and signs it; Medicare Benefit Policy Manual ch. 15 220.3): it stays in
-- fct_plan_of_care_followups.is_progress_report_due for the therapist's worklist.
with

followups as (

    select * from {{ ref('fct_plan_of_care_followups') }}

),

reasons as (

    select
        followups.*,
        'recert_due' as followup_reason
    from followups
    where is_recert_due
    union all
    select
        followups.*,
        'signature_overdue' as followup_reason
    from followups
    where is_signature_overdue

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'plan_of_care_id', "':'", 'followup_reason'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        as_of_date,
        plan_of_care_id,
        followup_reason,
        patient_id,
        location_id,
        provider_id,
        payer_id,
        payer_name,
        payer_type,
        plan_status,
        evaluation_date,
        plan_start_date,
        plan_end_date,
        physician_npi,
        physician_signed_date,
        is_sent_to_pcp,
        is_pcp_order_unsigned,
        visits_since_progress_point,
        progress_report_every_visits,
        days_since_plan_start,
        recert_every_days,
        days_to_recert,
        signature_age_days,
        signature_chase_after_days,
        signature_follow_up_number,
        case followup_reason
            when 'recert_due'
                then
                    'Recertification due: ' || cast(days_since_plan_start as {{ dbt.type_string() }})
                    || ' days since the plan started (payer rule: every '
                    || cast(recert_every_days as {{ dbt.type_string() }})
                    || ' days)'
            when 'signature_overdue' then
                'Physician signature outstanding for ' || cast(signature_age_days as {{ dbt.type_string() }})
                || ' days (follow-up ' || cast(signature_follow_up_number as {{ dbt.type_string() }}) || ')'
        end as flag_reason,
        case followup_reason
            when 'recert_due' then cast({{ dbt.dateadd('day', 'recert_every_days', 'plan_start_date') }} as date)
            when
                'signature_overdue'
                then
                    cast(                                                {{ dbt.dateadd('day', 'signature_chase_after_days + 1 + 7 * (signature_follow_up_number - 1)', 'evaluation_date') }} as date  -- noqa: LT05
                    )
        end as due_date
    from reasons

)

select * from final
