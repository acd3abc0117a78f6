-- Every bookable slot instance of every therapist's template from the lookback start through the end of
-- the booking window (as_of + 28), on days the location is open (it has at least one appointment that
-- day, so holidays and closures drop out), with what happened in it.
{%- set lookback_days = var('scheduling_lookback_days') %}
{%- set window_days = var('scheduling_window_days') %}
with

templates as (

    select * from {{ ref('stg_ehr__schedule_templates') }}

),

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

digits as (

    select 0 as n
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9

),

day_offsets as (

    select hundreds.n * 100 + tens.n * 10 + ones.n - {{ lookback_days }} as day_offset
    from digits as hundreds
    cross join digits as tens
    cross join digits as ones
    where hundreds.n * 100 + tens.n * 10 + ones.n <= {{ lookback_days + window_days }}

),

slot_indexes as (

    select tens.n * 10 + ones.n as slot_index
    from digits as tens
    cross join digits as ones

),

calendar as (

    select
        {{ date_add_days('day_offset', as_of_date()) }} as slot_date,
        day_offset
    from day_offsets
    where day_offset <> 0

),

open_days as (

    select distinct
        location_id,
        local_date
    from appointments

),

instances as (

    select
        templates.template_id,
        templates.provider_id,
        templates.location_id,
        templates.service_line,
        templates.slot_minutes,
        calendar.slot_date,
        calendar.day_offset,
        templates.weekday,
        templates.start_minute + slot_indexes.slot_index * templates.slot_minutes as slot_start_minute
    from templates
    inner join calendar
        on
            templates.weekday = {{ scheduling_weekday('calendar.slot_date') }}
            and templates.effective_date <= calendar.slot_date
            and (templates.end_date is null or templates.end_date >= calendar.slot_date)
    inner join slot_indexes
        on templates.start_minute + (slot_indexes.slot_index + 1) * templates.slot_minutes <= templates.end_minute
    inner join open_days
        on
            templates.location_id = open_days.location_id
            and calendar.slot_date = open_days.local_date

),

in_slot as (

    select
        instances.template_id,
        instances.slot_date,
        instances.slot_start_minute,
        sum(case when appointments.status in ('scheduled', 'arrived') then 1 else 0 end) as booked_count,
        sum(case when appointments.status = 'arrived' then 1 else 0 end) as kept_count,
        sum(case when appointments.status = 'cancelled' then 1 else 0 end) as cancelled_count,
        sum(case when appointments.status = 'late_cancelled' then 1 else 0 end) as late_cancelled_count,
        sum(case when appointments.status = 'no_show' then 1 else 0 end) as no_show_count,
        max(
            case
                when appointments.status in ('cancelled', 'late_cancelled', 'no_show') then appointments.appointment_id
            end
        )
            as missed_appointment_id
    from instances
    inner join appointments
        on
            instances.provider_id = appointments.provider_id
            and instances.location_id = appointments.location_id
            and instances.slot_date = appointments.local_date
            and instances.slot_start_minute <= appointments.local_start_minute
            and appointments.local_start_minute < instances.slot_start_minute + instances.slot_minutes
    group by instances.template_id, instances.slot_date, instances.slot_start_minute

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            'instances.template_id', "'|'",
            'cast(instances.slot_date as ' ~ dbt.type_string() ~ ')', "'|'",
            'cast(instances.slot_start_minute as ' ~ dbt.type_string() ~ ')',
        ])) }} as slot_id,
        instances.template_id,
        instances.provider_id,
        instances.location_id,
        instances.service_line,
        instances.slot_date,
        instances.weekday,
        instances.slot_start_minute,
        cast(floor(instances.slot_start_minute / 60.0) as integer) as slot_hour,
        instances.slot_minutes,
        instances.day_offset > 0 as is_future,
        coalesce(in_slot.booked_count, 0) as booked_count,
        coalesce(in_slot.kept_count, 0) as kept_count,
        coalesce(in_slot.cancelled_count, 0) as cancelled_count,
        coalesce(in_slot.late_cancelled_count, 0) as late_cancelled_count,
        coalesce(in_slot.no_show_count, 0) as no_show_count,
        in_slot.missed_appointment_id,
        coalesce(in_slot.booked_count, 0) = 0 as is_open,
        case
            when coalesce(in_slot.booked_count, 0) > 0 then 'booked'
            when in_slot.missed_appointment_id is not null then 'cancellation'
            else 'unbooked'
        end as slot_state
    from instances
    left join in_slot
        on
            instances.template_id = in_slot.template_id
            and instances.slot_date = in_slot.slot_date
            and instances.slot_start_minute = in_slot.slot_start_minute

)

select * from final
