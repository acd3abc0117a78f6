-- The packet items each re-authorization's payer asks for beyond what the extracts show
-- (reauth_checklist_items: by payer type and location state, '*' = all), one row per flag and item.
with

flags as (

    select * from {{ ref('flag_auths_needing_reauth') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

items as (

    select * from {{ ref('reauth_checklist_items') }}

),

final as (

    select
        flags.flag_id,
        items.item,
        items.detail
    from flags
    left join payers
        on flags.payer_id = payers.payer_id
    left join locations
        on flags.location_id = locations.location_id
    inner join items
        on
            (items.payer_type = '*' or payers.payer_type = items.payer_type)
            and (items.state = '*' or locations.state = items.state)

)

select * from final
