-- The appointments behind each authorization's counts (evidence for the re-auth packet and drill-downs).
with

matched_appointments as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

final as (

    select
        authorization_id,
        appointment_id,
        date_of_service,
        status,
        provider_id,
        billed_cpt_codes as cpt_codes,
        units
    from matched_appointments

)

select * from final
