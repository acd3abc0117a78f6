{%- set rule_name = 'plan_of_care_followup' -%}
{%- set rule_version = '2' -%}
-- Plan-of-care documents to send to the physician: the signature request as soon as a plan is established,
-- a follow-up every signature_chase_every_days once it is older than the chase window, until it is signed,
-- with the payer's certification deadline as the deadline (past it, at once); the plan sent for the record
-- only where a signed order on file replaces the signature (the payer's order-on-file exception); a
-- recertification due by days (payer rule). One row per plan and reason; flag_id =
-- md5(rule:version:plan_of_care_id:reason:follow-up number) so each weekly follow-up is its own fax and the
-- one it replaces auto-resolves if nobody sent it. A progress report is never sent for a physician's
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
        case when is_signature_waived_by_order then 'plan_notice' else 'signature_request' end as followup_reason
    from followups
    where is_signature_request_due
    union all
    select
        followups.*,
        'signature_overdue' as followup_reason
    from followups
    where is_signature_overdue

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'plan_of_care_id', "':'", 'followup_reason', "':'", "cast(coalesce(case when followup_reason = 'signature_overdue' then signature_follow_up_number end, 0) as " ~ dbt.type_string() ~ ")"])) }}  -- noqa: LT05
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
        is_signature_waived_by_order,
        certification_deadline_days,
        certification_deadline_date,
        days_to_certification_deadline,
        is_certification_late,
        case followup_reason
            when 'recert_due'
                then
                    'Recertification due: ' || cast(days_since_plan_start as {{ dbt.type_string() }})
                    || ' days since the plan started (payer rule: every '
                    || cast(recert_every_days as {{ dbt.type_string() }})
                    || ' days)'
            when 'signature_request' then 'Plan of care established: send it to the physician for signature'
            when
                'plan_notice'
                then 'First plan of care with a signed order on file: send it to the physician (no signature needed)'
            when 'signature_overdue' then
                'Physician signature outstanding for ' || cast(signature_age_days as {{ dbt.type_string() }})
                || ' days (follow-up ' || cast(signature_follow_up_number as {{ dbt.type_string() }}) || ')'
        end
        || case
            when followup_reason in ('signature_request', 'signature_overdue') and is_certification_late
                then
                    '; the certification deadline passed '
                    || cast(-days_to_certification_deadline as {{ dbt.type_string() }})
                    || case when days_to_certification_deadline = -1 then ' day ago' else ' days ago' end
            when followup_reason in ('signature_request', 'signature_overdue') and days_to_certification_deadline = 0
                then '; the certification deadline is today'
            when followup_reason in ('signature_request', 'signature_overdue') and days_to_certification_deadline > 0
                then
                    '; certification deadline in '
                    || cast(days_to_certification_deadline as {{ dbt.type_string() }})
                    || case when days_to_certification_deadline = 1 then ' day' else ' days' end
            else ''
        end as flag_reason,
        case
            when followup_reason = 'recert_due'
                then cast({{ dbt.dateadd('day', 'recert_every_days', 'plan_start_date') }} as date)
            -- A plan sent for the record, and a request without a payer deadline, are due the day they are found:
            -- no date here, the action ledger dates each with the day a run first drafts it.
            when followup_reason = 'plan_notice' then null
            -- Signature requests and follow-ups: the certification deadline is the deadline (overdue since, once
            -- it has passed); without a payer deadline, the request when found and each follow-up on its day.
            when certification_deadline_date is not null then certification_deadline_date
            when followup_reason = 'signature_request' then null
            else
                cast(
                    {{ dbt.dateadd('day', 'signature_chase_after_days + 1 + signature_chase_every_days * (signature_follow_up_number - 1)', 'evaluation_date') }} as date  -- noqa: LT05
                )
        end as due_date
    from reasons

)

select * from final
