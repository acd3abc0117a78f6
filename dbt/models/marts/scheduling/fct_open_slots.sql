-- One row per open slot in the booking window (int_scheduling__open_slots: a therapist's template hour with
-- nothing booked, a cancellation or never booked, or a cancelled visit outside the template), with its best
-- waitlist match or, when nobody fits, why: the first
-- constraint no waiting child at the location passes, checked in the order credential, authorization,
-- preferences.
with

slots as (

    select * from {{ ref('int_scheduling__open_slots') }}

),

matches as (

    select * from {{ ref('fct_waitlist_slot_matches') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

summary as (

    select
        slot_id,
        count(*) as waiting_at_location,
        sum(case when is_credentialed then 1 else 0 end) as credentialed_count,
        sum(case when is_credentialed and is_authorized then 1 else 0 end) as credentialed_authorized_count,
        sum(case when is_valid_match then 1 else 0 end) as valid_match_count,
        max(case when match_rank = 1 then waitlist_id end) as top_waitlist_id,
        max(case when match_rank = 2 then waitlist_id end) as second_waitlist_id,
        max(case when match_rank = 3 then waitlist_id end) as third_waitlist_id
    from matches
    group by slot_id

),

final as (

    select
        slots.slot_id,
        slots.location_id,
        slots.provider_id,
        providers.provider_name,
        slots.service_line,
        slots.slot_date,
        slots.weekday,
        slots.slot_hour,
        slots.slot_start_minute,
        slots.slot_minutes,
        slots.slot_state,
        slots.missed_appointment_id,
        slots.is_in_template,
        coalesce(summary.waiting_at_location, 0) as waiting_at_location,
        coalesce(summary.valid_match_count, 0) as valid_match_count,
        summary.top_waitlist_id,
        summary.second_waitlist_id,
        summary.third_waitlist_id,
        case
            when coalesce(summary.valid_match_count, 0) > 0 then null
            when coalesce(summary.waiting_at_location, 0) = 0 then 'no_child_waiting_at_location'
            when summary.credentialed_count = 0 then 'no_credentialed_therapist_for_payer'
            when summary.credentialed_authorized_count = 0 then 'no_authorization_left'
            else 'service_line_does_not_fit'
        end as no_match_reason,
        case
            when coalesce(summary.valid_match_count, 0) > 0 then null
            when coalesce(summary.waiting_at_location, 0) = 0 then 'No child is waiting at this location'
            when
                summary.credentialed_count = 0
                then 'The therapist is not credentialed with any waiting family''s payer on that date'
            when
                summary.credentialed_authorized_count = 0
                then 'No waiting child has an authorization with visits left for that date'
            else 'No waiting child needs this service line'
        end as no_match_reason_text,
        {{ as_of_date() }} as as_of_date
    from slots
    left join summary
        on slots.slot_id = summary.slot_id
    left join providers
        on slots.provider_id = providers.provider_id

)

select * from final
