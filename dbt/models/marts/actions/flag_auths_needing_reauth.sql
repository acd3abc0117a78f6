{%- set rule_name = 'auth_needing_reauth' -%}
{%- set rule_version = '1' -%}
-- The re-authorization work queue: flagged active authorizations with everything the re-auth packet
-- emitter needs. flag_id is stable for (rule, version, authorization) so the emitter drafts once.
-- The window asked for starts when the current authorization actually runs out: the projected exhaustion
-- date, or the first booked visit past its remaining quantity, else the day after it ends; it runs for
-- the plan of care's duration and never past the plan's end. The units asked for are stated as arithmetic:
-- units per visit x visits per week x weeks.
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

payers as (

    select * from {{ ref('dim_payers') }}

),

reauth_windows as (

    select * from {{ ref('reauth_payer_windows') }}

),

waitlist as (

    select * from {{ ref('stg_ehr__waitlist_entries') }}

),

-- A child still on the waitlist with nothing booked gets no packet until a visit is planned.
waiting_with_nothing_booked as (

    select distinct waitlist.patient_id
    from waitlist
    where waitlist.status = 'waiting'

),

flagged as (

    select burndown.*
    from burndown
    left join waiting_with_nothing_booked
        on burndown.patient_id = waiting_with_nothing_booked.patient_id
    where
        burndown.is_flagged
        and not (
            waiting_with_nothing_booked.patient_id is not null
            and burndown.scheduled_quantity = 0
            and not burndown.has_visits_scheduled_beyond_auth
        )

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

-- The first booked visit the remaining quantity no longer covers (booked visits in date order).
booked_in_order as (

    select
        matched_appointments.authorization_id,
        matched_appointments.date_of_service,
        sum(matched_appointments.scheduled_quantity) over (
            partition by matched_appointments.authorization_id
            order by matched_appointments.date_of_service, matched_appointments.appointment_id
            rows unbounded preceding
        ) as booked_through_here
    from matched_appointments
    where matched_appointments.is_scheduled_ahead

),

first_uncovered_booked as (

    select
        booked_in_order.authorization_id,
        min(booked_in_order.date_of_service) as first_uncovered_visit_date
    from booked_in_order
    inner join flagged
        on booked_in_order.authorization_id = flagged.authorization_id
    where booked_in_order.booked_through_here > flagged.remaining_quantity
    group by booked_in_order.authorization_id

),

ranked_treating_providers as (

    select
        authorization_id,
        provider_id,
        row_number() over (
            partition by authorization_id
            order by kept_visit_count desc, last_kept_visit_date desc, provider_id asc
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
        coalesce(ranked_treating_providers.provider_id, plans_of_care.provider_id) as treating_provider_id,
        first_uncovered_booked.first_uncovered_visit_date,
        case
            when flagged.unit_type = 'visits' then 1
            when flagged.kept_visit_count > 0 and flagged.used_quantity > 0
                then cast(ceil(flagged.used_quantity * 1.0 / flagged.kept_visit_count) as integer)
            else 4
        end as units_per_visit
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
    left join first_uncovered_booked
        on flagged.authorization_id = first_uncovered_booked.authorization_id

),

windowed as (

    select
        joined.*,
        least(
            {{ date_add_days(1, 'joined.end_date') }},
            coalesce(joined.first_uncovered_visit_date, {{ date_add_days(1, 'joined.end_date') }}),
            case
                when joined.projected_exhaustion_date < joined.end_date then joined.projected_exhaustion_date
                else {{ date_add_days(1, 'joined.end_date') }}
            end
        ) as requested_start_date
    from joined

),

requested as (

    select
        windowed.*,
        case
            when windowed.duration_weeks is null
                then
                    {{ date_add_days(dbt.datediff('windowed.start_date', 'windowed.end_date', 'day'), 'windowed.requested_start_date') }}  -- noqa: LT05
            when
                windowed.plan_end_date is not null
                and windowed.plan_end_date
                < {{ date_add_days('7 * windowed.duration_weeks - 1', 'windowed.requested_start_date') }}
                then windowed.plan_end_date
            else {{ date_add_days('7 * windowed.duration_weeks - 1', 'windowed.requested_start_date') }}
        end as requested_end_date
    from windowed

),

sized as (

    select
        requested.*,
        coalesce(by_payer.prep_lead_days, by_type.prep_lead_days) as prep_lead_days,
        coalesce(by_payer.submit_earliest_days_before_end, by_type.submit_earliest_days_before_end)
            as submit_earliest_days_before_end,
        coalesce(by_payer.attendance_required, by_type.attendance_required, false) as attendance_required,
        cast(
            ceil(
                (                                        {{ dbt.datediff('requested.requested_start_date', 'requested.requested_end_date', 'day') }} + 1  -- noqa: LT05
                )
                / 7.0
            ) as integer
        )
            as requested_weeks,
        coalesce(requested.plan_end_date < requested.requested_start_date, false) as is_plan_of_care_ending
    from requested
    left join payers
        on requested.payer_id = payers.payer_id
    left join reauth_windows as by_payer
        on requested.payer_id = by_payer.payer_id
    left join reauth_windows as by_type
        on payers.payer_type = by_type.payer_type and by_type.payer_id is null

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'joined.authorization_id'])) }}  -- noqa: LT05
            as flag_id,
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
        joined.first_uncovered_visit_date,
        joined.requested_start_date,
        joined.requested_end_date,
        joined.requested_weeks,
        joined.units_per_visit,
        joined.is_plan_of_care_ending,
        -- Two dates: start preparing (re-evaluation, scores, signed order) prep_lead_days before the new
        -- window starts; the payer takes the request from submit_earliest_days_before_end days before it,
        -- and it must be in before the new window starts.
        {{ date_add_days('-1 * joined.prep_lead_days', 'joined.requested_start_date') }} as prepare_from_date,
        {{ date_add_days('-1 * joined.submit_earliest_days_before_end', 'joined.requested_start_date') }}
            as submit_from_date,
        {{ date_add_days(-1, 'joined.requested_start_date') }} as submit_by_date,
        joined.attendance_required,
        -- What to ask for: units per visit x the plan's visits per week x the weeks of the requested window;
        -- without a plan frequency, the quantity approved last time.
        case
            when joined.frequency_per_week is null then joined.approved_quantity
            else joined.units_per_visit * joined.frequency_per_week * joined.requested_weeks
        end as units_requested,
        case
            when joined.frequency_per_week is null
                then
                    'no plan-of-care frequency on file: the '
                    || cast(joined.approved_quantity as {{ dbt.type_string() }})
                    || ' ' || joined.unit_type || ' approved last time'
            when joined.unit_type = 'visits'
                then
                    cast(joined.frequency_per_week as {{ dbt.type_string() }}) || ' visits per week x '
                    || cast(joined.requested_weeks as {{ dbt.type_string() }}) || ' weeks = '
                    || cast(joined.frequency_per_week * joined.requested_weeks as {{ dbt.type_string() }}) || ' visits'
            else
                cast(joined.units_per_visit as {{ dbt.type_string() }}) || ' units per visit x '
                || cast(joined.frequency_per_week as {{ dbt.type_string() }}) || ' visits per week x '
                || cast(joined.requested_weeks as {{ dbt.type_string() }}) || ' weeks = '
                || cast(
                    joined.units_per_visit
                    * joined.frequency_per_week
                    * joined.requested_weeks as {{ dbt.type_string() }}
                )
                || ' units'
        end as units_arithmetic
    from sized as joined
    left join providers
        on joined.treating_provider_id = providers.provider_id

)

select * from final
