-- One row per flag of flag_denials_to_work routed to an appeal or a retro-authorization request, and per visit
-- of its patient on or before the denied date of service: the visit history the letter counts. Keyed by the
-- flag rather than the patient, so a visit booked after the date of service changes no letter and redrafts none.
with

flags as (

    select
        flag_id,
        patient_id,
        service_date
    from {{ ref('flag_denials_to_work') }}
    where route in ('appeal', 'retro_auth_request')

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

final as (

    select
        flags.flag_id,
        visits.visit_id,
        visits.patient_id,
        visits.date_of_service
    from flags
    inner join visits
        on
            flags.patient_id = visits.patient_id
            and flags.service_date >= visits.date_of_service

)

select * from final
