-- One row per patient with a denial routed to an appeal, a retro-authorization request or a reopening
-- (Medicare fee-for-service corrections) in flag_denials_to_work:
-- the identifiers the letter names (primary coverage member id). The plan of care in force on the date of
-- service comes from packet_appeal_plans.
with

flags as (

    select distinct patient_id from {{ ref('flag_denials_to_work') }}
    where
        route in ('appeal', 'retro_auth_request')
        or (route = 'corrected_claim' and correction_method = 'reopening')

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
