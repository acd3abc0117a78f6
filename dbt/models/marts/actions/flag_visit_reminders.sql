{%- set rule_name = 'visit_reminder_48h' -%}
{%- set rule_version = '1' -%}
-- One row per booked visit (status scheduled) in the next 48 hours: the two local days after the as-of date
-- (as_of + 1 00:00 up to, not including, as_of + 3 00:00), the same start as the booking checks' window.
-- Each reminder knows the authorization that covers the visit (counted in date order on top of what is
-- used, as in fct_booking_checks): whether this is the last authorized visit and whether the authorization
-- ends within a week of the visit. Only what a reminder text needs; no diagnosis or member id.
with

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

matched as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

authorization_usage as (

    select * from {{ ref('int_authorizations_joined_to_usage') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

upcoming as (

    select * from appointments
    where
        status = 'scheduled'
        and local_date >= {{ date_add_days(1, as_of_date()) }}
        and local_date < {{ date_add_days(3, as_of_date()) }}

),

running as (

    select
        matched.authorization_id,
        matched.appointment_id,
        matched.scheduled_quantity,
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

-- The authorization that covers the visit: one within its count first, then the lowest id.
cover as (

    select
        running.*,
        running.cumulative_quantity <= running.approved_quantity as is_within_count,
        row_number() over (
            partition by running.appointment_id
            order by
                case when running.cumulative_quantity <= running.approved_quantity then 0 else 1 end,
                running.authorization_id
        ) as cover_rank
    from running
    inner join upcoming
        on running.appointment_id = upcoming.appointment_id

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'upcoming.appointment_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        upcoming.appointment_id,
        upcoming.patient_id,
        upcoming.provider_id,
        upcoming.location_id,
        locations.location_name,
        upcoming.payer_id,
        upcoming.appointment_type,
        upcoming.local_date as visit_date,
        upcoming.weekday,
        upcoming.local_start_minute,
        cover.authorization_id,
        cover.approved_quantity,
        case when cover.is_within_count then cover.approved_quantity - cover.cumulative_quantity end
            as remaining_after_visit,
        cover.end_date as authorization_end_date,
        coalesce(
            cover.is_within_count
            and cover.cumulative_quantity + cover.scheduled_quantity > cover.approved_quantity,
            false
        ) as is_last_authorized_visit,
        coalesce(
            cover.is_within_count
            and cover.end_date < {{ date_add_days(7, 'upcoming.local_date') }},
            false
        ) as is_authorization_ending_this_week,
        patients.guardian_phone,
        {{ date_add_days(-1, 'upcoming.local_date') }} as due_date
    from upcoming
    left join cover
        on upcoming.appointment_id = cover.appointment_id and cover.cover_rank = 1
    left join patients
        on upcoming.patient_id = patients.patient_id
    left join locations
        on upcoming.location_id = locations.location_id

)

select * from final
