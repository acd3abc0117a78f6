{%- set rule_name = 'open_slot_offer' -%}
{%- set rule_version = '1' -%}
-- Fill-the-slot candidates: one row per open slot and each of its top three valid waitlist matches, in
-- rank order. The slot-offer emitter drafts one offer at a time per slot from these rows (the next rank
-- only after the previous offer was declined, rejected or its offer window ran out; a family holds one
-- live offer across slots). Carries only what a text or call to the family needs (no diagnosis, member id
-- or clinical detail), the visit's contracted dollars (visit_amount) so offers sort with the rest of the
-- work, and the family's preferences the slot misses (it ranks them lower, never excludes them).
with

matches as (

    select * from {{ ref('fct_waitlist_slot_matches') }}
    where match_rank <= 3

),

open_slots as (

    select * from {{ ref('fct_open_slots') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

providers as (

    select * from {{ ref('dim_providers') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'matches.slot_id', "':'", 'matches.waitlist_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        matches.as_of_date,
        matches.slot_id,
        matches.location_id,
        locations.location_name,
        matches.provider_id,
        providers.first_name as provider_first_name,
        providers.provider_name,
        matches.slot_date,
        matches.weekday,
        matches.slot_start_minute,
        matches.slot_minutes,
        open_slots.slot_state,
        matches.match_rank,
        matches.waitlist_id,
        matches.patient_id,
        matches.payer_id,
        matches.days_waiting,
        matches.fit_score,
        matches.preference_misses,
        cast(visit_rates.contracted_visit_rate as decimal(12, 2)) as visit_amount,
        patients.guardian_phone
    from matches
    inner join open_slots
        on matches.slot_id = open_slots.slot_id
    left join patients
        on matches.patient_id = patients.patient_id
    left join locations
        on matches.location_id = locations.location_id
    left join providers
        on matches.provider_id = providers.provider_id
    left join visit_rates
        on matches.patient_id = visit_rates.patient_id and matches.payer_id = visit_rates.payer_id

)

select * from final
