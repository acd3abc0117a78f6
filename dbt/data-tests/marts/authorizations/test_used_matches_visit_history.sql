-- Invariant: used and scheduled on the burn-down equal what its visit history rows add up to
-- (visits: one per counted appointment; units: their units).
-- Reported in Dagster as an asset check on fct_authorization_burndown (a singular test with several refs needs one).
{{ config(meta={'dagster': {'ref': {'name': 'fct_authorization_burndown'}}}) }}
with

burndown as (

    select * from {{ ref('fct_authorization_burndown') }}

),

matched as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

totals as (

    select
        authorization_id,
        sum(used_quantity) as used_quantity,
        sum(scheduled_quantity) as scheduled_quantity
    from matched
    group by authorization_id

),

final as (

    select burndown.authorization_id
    from burndown
    left join totals
        on burndown.authorization_id = totals.authorization_id
    where
        burndown.used_quantity <> coalesce(totals.used_quantity, 0)
        or burndown.scheduled_quantity <> coalesce(totals.scheduled_quantity, 0)

)

select * from final
