-- One row per patient with a flag in flag_referral_packet_items_missing: the name, date of birth and primary care physician a
-- drafted fax or records request identifies the child by.
with

flags as (

    select distinct patient_id from {{ ref('flag_referral_packet_items_missing') }}

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
