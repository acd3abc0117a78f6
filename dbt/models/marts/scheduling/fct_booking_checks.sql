-- Every booked (status scheduled) visit in the booking window (as_of + 1 .. as_of + 28) checked against
-- the two booking constraints: the therapist is enrolled and licensed for the patient's payer on that
-- day, and for a treatment visit of a payer that requires authorization, an approved authorization
-- covers it within its approved count (the authorization area's matching and usage, reused as they are).
{%- set window_days = var('scheduling_window_days') %}
with

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

eligibility as (

    select * from {{ ref('int_scheduling__provider_payer_eligibility') }}

),

matched as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

authorization_usage as (

    select * from {{ ref('int_authorizations_joined_to_usage') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

slots as (

    select * from {{ ref('int_scheduling__template_slots') }}

),

booked as (

    select * from appointments
    where
        status = 'scheduled'
        and local_date > {{ as_of_date() }}
        and local_date <= {{ date_add_days(window_days, as_of_date()) }}

),

credentialed as (

    select distinct booked.appointment_id
    from booked
    inner join eligibility
        on
            booked.provider_id = eligibility.provider_id
            and booked.payer_id = eligibility.payer_id
            and booked.location_id = eligibility.location_id
            and booked.local_date >= eligibility.eligible_from
            and booked.local_date <= eligibility.eligible_through

),

-- Booked visits in each authorization's window, counted in date order on top of what is already used:
-- the visit is inside the count when used + the running booked quantity stays within approved.
running as (

    select
        matched.authorization_id,
        matched.appointment_id,
        authorization_usage.approved_quantity,
        authorization_usage.used_quantity
        + sum(matched.scheduled_quantity) over (
            partition by matched.authorization_id
            order by matched.date_of_service, matched.appointment_id
            rows between unbounded preceding and current row
        ) as cumulative_quantity,
        authorization_usage.end_date
    from matched
    inner join authorization_usage
        on matched.authorization_id = authorization_usage.authorization_id
    where matched.is_scheduled_ahead

),

authorization_cover as (

    select
        appointment_id,
        max(case when cumulative_quantity <= approved_quantity then 1 else 0 end) as is_within_count,
        count(*) as matched_authorization_count,
        min(authorization_id) as authorization_id
    from running
    group by appointment_id

),

-- The latest approved authorization of the patient with the visit's payer that ended before the visit.
ended_before as (

    select
        booked.appointment_id,
        max(authorization_usage.end_date) as last_authorization_end_date
    from booked
    inner join authorization_usage
        on
            booked.patient_id = authorization_usage.patient_id
            and booked.payer_id = authorization_usage.payer_id
            and booked.local_date > authorization_usage.end_date
    group by booked.appointment_id

),

-- Another therapist at the location who is eligible for the payer that day and whose slot at the same
-- start is open: the front desk's first fix for a credentialing mismatch.
alternatives as (

    select
        booked.appointment_id,
        min(slots.provider_id) as alternative_provider_id
    from booked
    inner join slots
        on
            booked.location_id = slots.location_id
            and booked.local_date = slots.slot_date
            and booked.local_start_minute = slots.slot_start_minute
            and slots.is_open
            and booked.provider_id <> slots.provider_id
    inner join eligibility
        on
            slots.provider_id = eligibility.provider_id
            and booked.payer_id = eligibility.payer_id
            and booked.location_id = eligibility.location_id
            and booked.local_date >= eligibility.eligible_from
            and booked.local_date <= eligibility.eligible_through
    group by booked.appointment_id

),

checked as (

    select
        booked.appointment_id,
        booked.patient_id,
        booked.provider_id,
        booked.location_id,
        booked.payer_id,
        booked.is_medicaid,
        booked.appointment_type,
        booked.local_date as visit_date,
        booked.local_start_minute,
        booked.scheduled_start_at,
        coalesce(payer_rules.requires_authorization, false)
        and booked.appointment_type = 'treatment' as needs_authorization,
        booked.payer_id is null or credentialed.appointment_id is not null as is_provider_eligible,
        authorization_cover.authorization_id,
        coalesce(authorization_cover.is_within_count, 0) = 1 as is_within_authorization,
        coalesce(authorization_cover.matched_authorization_count, 0) > 0 as is_in_authorization_window,
        ended_before.last_authorization_end_date,
        alternatives.alternative_provider_id,
        visit_rates.contracted_visit_rate
    from booked
    left join credentialed
        on booked.appointment_id = credentialed.appointment_id
    left join payer_rules
        on booked.payer_id = payer_rules.payer_id
    left join authorization_cover
        on booked.appointment_id = authorization_cover.appointment_id
    left join ended_before
        on booked.appointment_id = ended_before.appointment_id
    left join alternatives
        on booked.appointment_id = alternatives.appointment_id
    left join visit_rates
        on
            booked.patient_id = visit_rates.patient_id
            and booked.payer_id = visit_rates.payer_id

),

final as (

    select
        *,
        case
            when not needs_authorization or is_within_authorization then 'ok'
            when is_in_authorization_window then 'beyond_authorized_count'
            when last_authorization_end_date is not null then 'after_authorization_end'
            else 'no_authorization'
        end as authorization_check,
        case when is_provider_eligible then 'ok' else 'provider_not_enrolled' end as credential_check,
        not is_provider_eligible or (needs_authorization and not is_within_authorization) as is_mismatch,
        cast(coalesce(contracted_visit_rate, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from checked

)

select * from final
