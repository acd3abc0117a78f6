-- One row per underpayment dispute (flag_underpayment_disputes): the patient and the member id on the
-- coverage the claim was billed to, which the payer needs to find the claim.
with

flags as (

    select
        flag_id,
        patient_id,
        visit_id
    from {{ ref('flag_underpayment_disputes') }}

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

final as (

    select
        flags.flag_id,
        flags.patient_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        coverages.member_id
    from flags
    inner join patients
        on flags.patient_id = patients.patient_id
    left join visits
        on flags.visit_id = visits.visit_id
    left join coverages
        on visits.coverage_id = coverages.coverage_id

)

select * from final
