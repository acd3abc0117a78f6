-- Every open slot of the booking window (as_of + 1 .. as_of + 28) that can be offered to the waitlist:
-- the open instances of the therapists' templates (cancelled or never booked), plus each cancelled visit
-- that lay outside the therapist's template hours (the therapist was scheduled then, so the time is
-- theirs to fill) when nothing else is booked with that therapist over it.
{%- set window_days = var('scheduling_window_days') %}
with

template_slots as (

    select * from {{ ref('int_scheduling__template_slots') }}
    where is_future

),

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

templates as (

    select * from {{ ref('stg_ehr__schedule_templates') }}

),

template_open as (

    select
        slot_id,
        template_id,
        provider_id,
        location_id,
        service_line,
        slot_date,
        weekday,
        slot_start_minute,
        slot_hour,
        slot_minutes,
        slot_state,
        missed_appointment_id
    from template_slots
    where is_open

),

cancellations as (

    select * from appointments
    where
        status in ('cancelled', 'late_cancelled')
        and local_date > {{ as_of_date() }}
        and local_date <= {{ date_add_days(window_days, as_of_date()) }}

),

outside_template as (

    select cancellations.*
    from cancellations
    left join template_slots
        on
            cancellations.provider_id = template_slots.provider_id
            and cancellations.location_id = template_slots.location_id
            and cancellations.local_date = template_slots.slot_date
            and cancellations.local_start_minute >= template_slots.slot_start_minute
            and cancellations.local_start_minute < template_slots.slot_start_minute + template_slots.slot_minutes
    where template_slots.slot_id is null

),

still_free as (

    select
        outside_template.*,
        row_number() over (
            partition by outside_template.provider_id, outside_template.local_date, outside_template.local_start_minute
            order by outside_template.appointment_id
        ) as duplicate_rank
    from outside_template
    left join appointments as booked
        on
            outside_template.provider_id = booked.provider_id
            and outside_template.local_date = booked.local_date
            and booked.status in ('scheduled', 'arrived')
            and booked.local_start_minute < outside_template.local_start_minute + outside_template.duration_minutes
            and outside_template.local_start_minute < booked.local_start_minute + booked.duration_minutes
    where booked.appointment_id is null

),

provider_service_lines as (

    -- The service line the therapist's templates offer at the location (the first, when several).
    select
        provider_id,
        location_id,
        min(service_line) as service_line
    from templates
    group by provider_id, location_id

),

off_template_open as (

    select
        {{ dbt.hash(dbt.concat(["'cancellation|'", 'still_free.appointment_id'])) }} as slot_id,
        cast(null as {{ dbt.type_string() }}) as template_id,
        still_free.provider_id,
        still_free.location_id,
        provider_service_lines.service_line,
        still_free.local_date as slot_date,
        still_free.weekday,
        still_free.local_start_minute as slot_start_minute,
        still_free.local_hour as slot_hour,
        still_free.duration_minutes as slot_minutes,
        'cancellation' as slot_state,
        still_free.appointment_id as missed_appointment_id
    from still_free
    left join provider_service_lines
        on
            still_free.provider_id = provider_service_lines.provider_id
            and still_free.location_id = provider_service_lines.location_id
    where still_free.duplicate_rank = 1

),

final as (

    select
        *,
        true as is_in_template
    from template_open
    union all
    select
        *,
        false as is_in_template
    from off_template_open

)

select * from final
