-- One row per appointment under an authorization that needs a re-authorization: the visit counts of the packet.
with

flags as (

    select * from {{ ref('flag_auths_needing_reauth') }}

),

history as (

    select * from {{ ref('fct_authorization_visit_history') }}

),

final as (

    select
        history.authorization_id,
        history.appointment_id,
        history.date_of_service,
        history.status
    from history
    inner join flags
        on history.authorization_id = flags.authorization_id

)

select * from final
