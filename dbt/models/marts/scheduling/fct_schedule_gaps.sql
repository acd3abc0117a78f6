-- Schedule gaps over the lookback window (default 90 days through the as-of date) per location,
-- therapist, payer, weekday and hour: visits kept, cancelled, late-cancelled and no-show, each rate
-- separately, cancellations refilled, revenue lost from unfilled slots, and idle template hours
-- (template slots nobody was booked in; they have no payer, so they sit on payer_id '(none)').
{%- set lookback_days = var('scheduling_lookback_days') %}
with

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

missed as (

    select * from {{ ref('int_scheduling__missed_visits') }}

),

slots as (

    select * from {{ ref('int_scheduling__template_slots') }}

),

past as (

    select
        location_id,
        provider_id,
        coalesce(payer_id, '(none)') as payer_id,
        weekday,
        local_hour,
        count(*) as booked_count,
        sum(case when status = 'arrived' then 1 else 0 end) as kept_count,
        sum(case when status = 'cancelled' then 1 else 0 end) as cancelled_count,
        sum(case when status = 'late_cancelled' then 1 else 0 end) as late_cancelled_count,
        sum(case when status = 'no_show' then 1 else 0 end) as no_show_count
    from appointments
    where
        local_date > {{ date_add_days(-lookback_days, as_of_date()) }}
        and local_date <= {{ as_of_date() }}
        and status <> 'scheduled'
    group by location_id, provider_id, coalesce(payer_id, '(none)'), weekday, local_hour

),

missed_totals as (

    select
        location_id,
        provider_id,
        coalesce(payer_id, '(none)') as payer_id,
        weekday,
        local_hour,
        sum(case when status in ('cancelled', 'late_cancelled') then 1 else 0 end) as cancellations,
        sum(case when status in ('cancelled', 'late_cancelled') and is_refilled then 1 else 0 end)
            as cancellations_refilled,
        sum(lost_revenue) as lost_revenue
    from missed
    group by location_id, provider_id, coalesce(payer_id, '(none)'), weekday, local_hour

),

idle as (

    select
        location_id,
        provider_id,
        '(none)' as payer_id,
        weekday,
        slot_hour as local_hour,
        sum(slot_minutes) / 60.0 as idle_hours
    from slots
    where not is_future and slot_state = 'unbooked'
    group by location_id, provider_id, weekday, slot_hour

),

keys as (

    select
        location_id,
        provider_id,
        payer_id,
        weekday,
        local_hour
    from past
    union
    select
        location_id,
        provider_id,
        payer_id,
        weekday,
        local_hour
    from idle

),

final as (

    select
        keys.location_id,
        keys.provider_id,
        keys.payer_id,
        keys.weekday,
        keys.local_hour,
        coalesce(past.booked_count, 0) as booked_count,
        coalesce(past.kept_count, 0) as kept_count,
        coalesce(past.cancelled_count, 0) as cancelled_count,
        coalesce(past.late_cancelled_count, 0) as late_cancelled_count,
        coalesce(past.no_show_count, 0) as no_show_count,
        case when past.booked_count > 0 then past.kept_count * 1.0 / past.booked_count end as kept_rate,
        case when past.booked_count > 0 then past.cancelled_count * 1.0 / past.booked_count end as cancelled_rate,
        case when past.booked_count > 0 then past.late_cancelled_count * 1.0 / past.booked_count end
            as late_cancelled_rate,
        case when past.booked_count > 0 then past.no_show_count * 1.0 / past.booked_count end as no_show_rate,
        coalesce(missed_totals.cancellations, 0) as cancellations,
        coalesce(missed_totals.cancellations_refilled, 0) as cancellations_refilled,
        cast(coalesce(missed_totals.lost_revenue, 0) as decimal(12, 2)) as lost_revenue,
        cast(coalesce(idle.idle_hours, 0) as {{ dbt.type_float() }}) as idle_hours,
        {{ as_of_date() }} as as_of_date
    from keys
    left join past
        on
            keys.location_id = past.location_id and keys.provider_id = past.provider_id
            and keys.payer_id = past.payer_id and keys.weekday = past.weekday and keys.local_hour = past.local_hour
    left join missed_totals
        on
            keys.location_id = missed_totals.location_id and keys.provider_id = missed_totals.provider_id
            and keys.payer_id = missed_totals.payer_id and keys.weekday = missed_totals.weekday
            and keys.local_hour = missed_totals.local_hour
    left join idle
        on
            keys.location_id = idle.location_id and keys.provider_id = idle.provider_id
            and keys.payer_id = idle.payer_id and keys.weekday = idle.weekday and keys.local_hour = idle.local_hour

)

select * from final
