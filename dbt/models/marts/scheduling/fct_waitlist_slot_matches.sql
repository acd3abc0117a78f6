-- Every open slot in the booking window x every child waiting at the slot's location. Hard constraints,
-- checked at the slot's date, exclude: (1) the slot's therapist is enrolled and licensed for the child's
-- payer, (2) the child's payer needs no authorization, or an approved authorization covers the date and
-- the service with quantity left, (3) the slot is for the service line the child waits for. The family's
-- preferences (weekday, time of day, therapist) only rank: families the slot fits come first (fewest
-- preferences missed), then the longest wait, then the more specific fit, so a slot always has a next
-- family when the first declines. exclusion_reasons and preference_misses say why in words.
with

slots as (

    select * from {{ ref('int_scheduling__open_slots') }}

),

waitlist as (

    select * from {{ ref('stg_ehr__waitlist_entries') }}
    where status = 'waiting'

),

eligibility as (

    select * from {{ ref('int_scheduling__provider_payer_eligibility') }}

),

authorizations as (

    select * from {{ ref('int_authorizations_joined_to_usage') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

service_lines as (

    select * from {{ ref('scheduling_service_lines') }}

),

pairs as (

    select
        slots.slot_id,
        slots.location_id,
        slots.provider_id,
        slots.service_line as slot_service_line,
        slots.slot_date,
        slots.weekday,
        slots.slot_start_minute,
        slots.slot_minutes,
        waitlist.waitlist_id,
        waitlist.patient_id,
        waitlist.payer_id,
        waitlist.service_line,
        waitlist.added_date,
        waitlist.preferred_days,
        waitlist.preferred_time,
        waitlist.preferred_provider_id
    from slots
    inner join waitlist
        on slots.location_id = waitlist.location_id

),

credentialed as (

    select distinct
        pairs.slot_id,
        pairs.waitlist_id
    from pairs
    inner join eligibility
        on
            pairs.provider_id = eligibility.provider_id
            and pairs.payer_id = eligibility.payer_id
            and pairs.location_id = eligibility.location_id
            and pairs.slot_date >= eligibility.eligible_from
            and pairs.slot_date <= eligibility.eligible_through

),

authorized as (

    select distinct
        pairs.slot_id,
        pairs.waitlist_id
    from pairs
    inner join authorizations
        on
            pairs.patient_id = authorizations.patient_id
            and pairs.payer_id = authorizations.payer_id
            and pairs.slot_date >= authorizations.start_date
            and pairs.slot_date <= authorizations.end_date
    inner join service_lines
        on pairs.slot_service_line = service_lines.service_line
    where
        {{ pipe_list_contains('authorizations.cpt_codes', 'service_lines.primary_cpt_code') }}
        and authorizations.approved_quantity - authorizations.used_quantity - authorizations.scheduled_quantity
        >= case
            when authorizations.unit_type = 'visits' then 1
            else {{ units_for_minutes('pairs.slot_minutes') }}
        end

),

checked as (

    select
        pairs.*,
        credentialed.slot_id is not null as is_credentialed,
        not coalesce(payer_rules.requires_authorization, true) or authorized.slot_id is not null as is_authorized,
        pairs.service_line = pairs.slot_service_line as is_service_fit,
        pairs.preferred_days is null
        or {{ pipe_list_contains('pairs.preferred_days', 'pairs.weekday') }} as is_day_fit,
        case pairs.preferred_time
            when 'morning' then pairs.slot_start_minute < 720
            when 'afternoon' then pairs.slot_start_minute >= 720 and pairs.slot_start_minute < 1020
            when 'evening' then pairs.slot_start_minute >= 1020
            else true
        end as is_time_fit,
        pairs.preferred_provider_id is null or pairs.preferred_provider_id = pairs.provider_id as is_provider_fit,
        {{ dbt.datediff('pairs.added_date', as_of_date(), 'day') }} as days_waiting  -- noqa: LT05
    from pairs
    left join credentialed
        on pairs.slot_id = credentialed.slot_id and pairs.waitlist_id = credentialed.waitlist_id
    left join authorized
        on pairs.slot_id = authorized.slot_id and pairs.waitlist_id = authorized.waitlist_id
    left join payer_rules
        on pairs.payer_id = payer_rules.payer_id

),

scored as (

    select
        *,
        is_credentialed and is_authorized and is_service_fit as is_valid_match,
        is_day_fit and is_time_fit and is_provider_fit as is_preference_fit,
        (case when is_day_fit then 0 else 1 end)
        + (case when is_time_fit then 0 else 1 end)
        + (case when is_provider_fit then 0 else 1 end) as preference_miss_count,
        nullif(concat_ws(
            '; ',
            case
                when not is_credentialed then 'the therapist is not credentialed with the family''s payer on that date'
            end,
            case when not is_authorized then 'no authorization with visits left covers that date and service' end,
            case
                when
                    not is_service_fit
                    then 'the slot is for ' || slot_service_line || ', the child waits for ' || service_line
            end
        ), '') as exclusion_reasons,
        nullif(concat_ws(
            '; ',
            case when not is_day_fit then 'prefers ' || replace(preferred_days, '|', ', ') end,
            case when not is_time_fit then 'prefers the ' || preferred_time end,
            case when not is_provider_fit then 'prefers another therapist' end
        ), '') as preference_misses,
        -- How specifically the family asked for this slot: each stated preference it meets counts one.
        (case when preferred_provider_id is not null and is_provider_fit then 1 else 0 end)
        + (case when preferred_days is not null and is_day_fit then 1 else 0 end)
        + (case when preferred_time <> 'any' and is_time_fit then 1 else 0 end) as fit_score
    from checked

),

final as (

    select
        *,
        case
            when is_valid_match then row_number() over (
                partition by slot_id, is_valid_match
                order by preference_miss_count asc, days_waiting desc, fit_score desc, waitlist_id asc
            )
        end as match_rank,
        {{ as_of_date() }} as as_of_date
    from scored

)

select * from final
