-- Invariant: the re-auth flag mart holds exactly the flagged authorizations of the burn-down, with the
-- same dollars at risk.
-- Reported in Dagster as an asset check on flag_auths_needing_reauth (a singular test with several refs needs one).
{{ config(meta={'dagster': {'ref': {'name': 'flag_auths_needing_reauth'}}}) }}
with

flagged as (

    select authorization_id, dollars_at_risk from {{ ref('fct_authorization_burndown') }}
    where is_flagged

),

flags as (

    select authorization_id, dollars_at_risk from {{ ref('flag_auths_needing_reauth') }}

),

final as (

    select
        coalesce(flagged.authorization_id, flags.authorization_id) as authorization_id
    from flagged
    full outer join flags
        on flagged.authorization_id = flags.authorization_id
    where
        flagged.authorization_id is null
        or flags.authorization_id is null
        or flagged.dollars_at_risk <> flags.dollars_at_risk

)

select * from final
