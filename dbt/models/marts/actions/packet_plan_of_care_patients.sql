-- One row per patient with a flag in flag_plan_of_care_followups: the name, date of birth and primary care physician a
-- drafted fax or records request identifies the child by.
with

flags as (

    select distinct patient_id from {{ ref('flag_plan_of_care_followups') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

final as (

    select
        patients.patient_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        patients.primary_care_physician_npi
    from patients
    inner join flags
        on patients.patient_id = flags.patient_id

)

select * from final
