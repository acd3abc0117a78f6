{%- set rule_name = 'note_audit_failure' -%}
{%- set rule_version = '1' -%}
-- Visits whose note fails the nightly audit: a note-fix task goes to the treating therapist. A claim not
-- sent yet is held (is_claim_blocked); one that already went out (an 837 for it is on file) cannot be held:
-- it is a corrected-claim risk (is_claim_submitted). flag_id is stable per (rule, version, visit, failure set)
-- so a changed
-- failure drafts a new task and the fixed one auto-resolves.
with

audit as (

    select * from {{ ref('fct_note_audit') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

submitted_claims as (

    select distinct claim_id
    from {{ ref('stg_clearinghouse__claim_headers') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'audit.visit_id', "':'", 'audit.failure_reasons'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        audit.as_of_date,
        audit.visit_id,
        audit.claim_id,
        audit.location_id,
        audit.patient_id,
        audit.provider_id,
        providers.provider_name,
        audit.payer_id,
        audit.unit_method,
        audit.date_of_service,
        audit.visit_ended_at,
        audit.signed_at,
        audit.signing_window_hours,
        audit.signing_deadline_at,
        audit.hours_to_sign,
        audit.billed_timed_units,
        audit.documented_timed_minutes,
        audit.cms_total_supported_units,
        audit.per_code_mismatches,
        audit.undocumented_cpt_codes,
        audit.is_signed_late,
        audit.is_unsigned_past_window,
        audit.is_timed_minutes_missing,
        audit.is_units_inconsistent,
        audit.is_cpt_not_documented,
        audit.is_no_goals_addressed,
        audit.failure_reasons,
        submitted_claims.claim_id is not null as is_claim_submitted,
        submitted_claims.claim_id is null as is_claim_blocked,
        audit.contracted_amount as dollars_at_risk,
        -- Due from the visit (the signing window is hours, so its deadline falls on or just after this date): a
        -- date that stays put while the fix waits.
        audit.date_of_service as due_date
    from audit
    left join providers
        on audit.provider_id = providers.provider_id
    left join submitted_claims
        on audit.claim_id = submitted_claims.claim_id
    where audit.is_failing

)

select * from final
