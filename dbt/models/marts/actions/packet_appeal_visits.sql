-- One row per visit of a patient with a denial routed to an appeal or a retro-authorization request in
-- flag_denials_to_work: the visit history the letter counts.
with

flags as (

    select distinct patient_id from {{ ref('flag_denials_to_work') }}
    where route in ('appeal', 'retro_auth_request')

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

final as (

    select
        visits.visit_id,
        visits.patient_id,
        visits.date_of_service
    from visits
    inner join flags
        on visits.patient_id = flags.patient_id

)

select * from final
