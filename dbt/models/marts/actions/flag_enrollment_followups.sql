{%- set rule_name = 'enrollment_followup' -%}
{%- set rule_version = '1' -%}
-- Payer-enrollment follow-ups, one row per provider, location and payer: an enrollment still pending for a
-- current provider, and/or visits booked in the look-ahead on dates the therapist cannot bill that payer
-- (enrollment not in effect, or a credential billing needs lapsed by then).
with

enrollments as (

    select * from {{ ref('fct_provider_payer_enrollments') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

payers as (

    select * from {{ ref('stg_contracts__payers') }}

),

scheduled as (

    select * from {{ ref('fct_scheduled_visit_billing') }}

),

pending as (

    select
        enrollments.provider_id,
        enrollments.location_id,
        enrollments.payer_id
    from enrollments
    inner join providers
        on enrollments.provider_id = providers.provider_id
    where
        enrollments.enrollment_status = 'pending'
        and (providers.termination_date is null or providers.termination_date > {{ as_of_date() }})

),

unbillable as (

    select
        provider_id,
        location_id,
        payer_id,
        count(*) as unbillable_visit_count,
        min(appointment_date) as first_unbillable_date,
        max(appointment_date) as last_unbillable_date,
        min(blocking_reason) as blocking_reason,
        sum(dollars_at_risk) as dollars_at_risk
    from scheduled
    where not can_bill_on_visit_date and payer_id is not null
    group by provider_id, location_id, payer_id

),

keys as (

    select
        provider_id,
        location_id,
        payer_id
    from pending
    union
    select
        provider_id,
        location_id,
        payer_id
    from unbillable

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'keys.provider_id', "':'",
            'keys.location_id', "':'", 'keys.payer_id'
        ])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        keys.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        providers.npi as provider_npi,
        keys.location_id,
        keys.payer_id,
        payers.payer_name,
        enrollments.enrollment_id,
        enrollments.enrollment_status,
        enrollments.effective_date as enrollment_effective_date,
        pending.provider_id is not null as has_pending_enrollment,
        unbillable.provider_id is not null as has_unbillable_scheduled_visits,
        coalesce(unbillable.unbillable_visit_count, 0) as unbillable_visit_count,
        unbillable.first_unbillable_date,
        unbillable.last_unbillable_date,
        unbillable.blocking_reason,
        enrollments.first_lapsing_credential_type,
        enrollments.billing_valid_through_date,
        cast(coalesce(unbillable.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        case
            when pending.provider_id is not null and unbillable.provider_id is not null
                then
                    'Enrollment pending; ' || cast(unbillable.unbillable_visit_count as {{ dbt.type_string() }})
                    || ' booked visits cannot be billed (' || unbillable.blocking_reason || ')'
            when pending.provider_id is not null then 'Enrollment pending'
            else
                cast(unbillable.unbillable_visit_count as {{ dbt.type_string() }})
                || ' booked visits cannot be billed (' || unbillable.blocking_reason || ')'
        end as flag_reasons,
        -- Before the first visit that cannot be billed; a pending enrollment alone has no date of its own (the
        -- action ledger makes it due 14 days after the day a run first drafts it).
        unbillable.first_unbillable_date as due_date
    from keys
    inner join providers
        on keys.provider_id = providers.provider_id
    left join payers
        on keys.payer_id = payers.payer_id
    left join enrollments
        on
            keys.provider_id = enrollments.provider_id
            and keys.location_id = enrollments.location_id
            and keys.payer_id = enrollments.payer_id
    left join pending
        on
            keys.provider_id = pending.provider_id
            and keys.location_id = pending.location_id
            and keys.payer_id = pending.payer_id
    left join unbillable
        on
            keys.provider_id = unbillable.provider_id
            and keys.location_id = unbillable.location_id
            and keys.payer_id = unbillable.payer_id

)

select * from final
