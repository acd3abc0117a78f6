-- One row per claim held by a flag in flag_claims_on_enrollment_holds: the claims a hold or release notice lists.
with

flags as (

    select * from {{ ref('flag_claims_on_enrollment_holds') }}

),

holds as (

    select * from {{ ref('fct_claim_enrollment_holds') }}

),

final as (

    select
        flags.flag_id,
        holds.claim_id,
        holds.visit_id,
        holds.date_of_service,
        holds.contracted_amount
    from holds
    inner join flags
        on
            holds.provider_id = flags.provider_id
            and holds.location_id = flags.location_id
            and holds.payer_id = flags.payer_id
            and holds.hold_status = flags.hold_status

)

select * from final
