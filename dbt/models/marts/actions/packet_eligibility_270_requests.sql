-- One 270 request per eligibility check due (flag_eligibility_checks_due): who to ask (the payer's X12 id),
-- who asks (the location's NPI), the subscriber as the payer knows the child (member id, name, date of
-- birth) and the visit's local date. The trace number is the appointment id, so the 271 comes back to it.
with

flags as (

    select * from {{ ref('flag_eligibility_checks_due') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

final as (

    select
        flags.flag_id,
        flags.appointment_id as trace_number,
        flags.appointment_id,
        flags.patient_id,
        flags.location_id,
        flags.payer_id,
        payers.payer_name,
        payers.x12_payer_id,
        locations.location_name,
        locations.facility_npi,
        coverages.member_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        flags.appointment_date as service_date
    from flags
    inner join coverages
        on flags.coverage_id = coverages.coverage_id
    inner join patients
        on flags.patient_id = patients.patient_id
    inner join payers
        on flags.payer_id = payers.payer_id
    inner join locations
        on flags.location_id = locations.location_id

)

select * from final
