-- One row per patient with a denial routed to an appeal (or a Medicare reopening) in flag_denials_to_work:
-- the identifiers the letter names (primary coverage member id). The plan of care in force on the date of
-- service comes from packet_appeal_plans.
with

flags as (

    select distinct patient_id from {{ ref('flag_denials_to_work') }}
    where route = 'appeal' or (route = 'corrected_claim' and payer_type = 'medicare')

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}
    where priority = 1

),

final as (

    select
        patients.patient_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        coverages.member_id
    from flags
    inner join patients
        on flags.patient_id = patients.patient_id
    left join coverages
        on patients.patient_id = coverages.patient_id

)

select * from final
