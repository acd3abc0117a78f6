{%- set rule_name = 'auth_needing_reauth' -%}
{%- set rule_version = '1' -%}
-- The re-authorization work queue: flagged active authorizations with everything the re-auth packet
-- emitter needs. flag_id is stable for (rule, version, authorization) so the emitter drafts once.
with

burndown as (

    select * from {{ ref('fct_authorization_burndown') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

plans_of_care as (

    select * from {{ ref('int_plans_of_care_latest') }}

),

matched_appointments as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

flagged as (

    select * from burndown
    where is_flagged

),

-- The therapist with the most kept visits under the authorization (latest visit, then id, breaks ties).
kept_visits_by_provider as (

    select
        authorization_id,
        provider_id,
        count(*) as kept_visit_count,
        max(date_of_service) as last_kept_visit_date
    from matched_appointments
    where is_used
    group by authorization_id, provider_id

),

ranked_treating_providers as (

    select
        authorization_id,
        provider_id,
        row_number() over (
            partition by authorization_id
            order by kept_visit_count desc, last_kept_visit_date desc, provider_id
        ) as provider_rank
    from kept_visits_by_provider

),

joined as (

    select
        flagged.*,
        patients.first_name as patient_first_name,
        patients.last_name as patient_last_name,
        patients.date_of_birth as patient_date_of_birth,
        coverages.member_id,
        plans_of_care.plan_of_care_id,
        plans_of_care.evaluation_date,
        plans_of_care.plan_start_date,
        plans_of_care.plan_end_date,
        plans_of_care.frequency_per_week,
        plans_of_care.duration_weeks,
        plans_of_care.functional_goals,
        plans_of_care.physician_npi,
        plans_of_care.physician_signed_date,
        -- No kept visit yet: the therapist who wrote the plan of care.
        coalesce(ranked_treating_providers.provider_id, plans_of_care.provider_id) as treating_provider_id
    from flagged
    left join patients
        on flagged.patient_id = patients.patient_id
    left join coverages
        on flagged.coverage_id = coverages.coverage_id
    left join plans_of_care
        on flagged.patient_id = plans_of_care.patient_id
    left join ranked_treating_providers
        on
            flagged.authorization_id = ranked_treating_providers.authorization_id
            and ranked_treating_providers.provider_rank = 1

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'joined.authorization_id'])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        joined.as_of_date,
        joined.authorization_id,
        joined.authorization_number,
        joined.location_id,
        joined.patient_id,
        joined.payer_id,
        joined.payer_name,
        joined.coverage_id,
        joined.patient_first_name,
        joined.patient_last_name,
        joined.patient_date_of_birth,
        joined.member_id,
        joined.unit_type,
        joined.approved_quantity,
        joined.used_quantity,
        joined.scheduled_quantity,
        joined.remaining_quantity,
        joined.burn_rate_per_week,
        joined.projected_exhaustion_date,
        joined.start_date,
        joined.end_date,
        joined.days_to_expiry,
        joined.reauth_lead_days,
        joined.is_in_last_two_visits,
        joined.is_expiring_within_lead_time,
        joined.is_projected_to_exhaust_before_end,
        joined.has_visits_scheduled_beyond_auth,
        joined.scheduled_beyond_count,
        joined.flag_reasons,
        joined.dollars_at_risk,
        joined.due_date,
        joined.cpt_codes,
        joined.diagnosis_codes,
        joined.plan_of_care_id,
        joined.evaluation_date,
        joined.plan_start_date,
        joined.plan_end_date,
        joined.frequency_per_week,
        joined.duration_weeks,
        joined.functional_goals,
        joined.physician_npi,
        joined.physician_signed_date,
        joined.treating_provider_id,
        providers.provider_name as treating_provider_name,
        providers.credential_type as treating_provider_credential,
        providers.npi as treating_provider_npi,
        providers.state_license_number as treating_provider_license,
        -- What to ask for: the plan's frequency x duration in visits (x units per visit for a units
        -- authorization); without a plan, the quantity approved last time.
        case
            when joined.frequency_per_week is null or joined.duration_weeks is null then joined.approved_quantity
            when joined.unit_type = 'visits' then joined.frequency_per_week * joined.duration_weeks
            else cast(
                joined.frequency_per_week * joined.duration_weeks
                * ceil(
                    case
                        when joined.kept_visit_count > 0 and joined.used_quantity > 0
                            then joined.used_quantity * 1.0 / joined.kept_visit_count
                        else 4
                    end
                ) as integer
            )
        end as units_requested
    from joined
    left join providers
        on joined.treating_provider_id = providers.provider_id

)

select * from final
