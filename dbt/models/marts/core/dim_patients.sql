-- PHI: name, birth date, guardian and contact columns are tagged phi in _core__models.yml.
with

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

-- The coverage billed first on the as-of date: lowest priority number among those in force.
primary_coverages as (

    select
        patient_id,
        coverage_id,
        payer_id,
        row_number() over (
            partition by patient_id
            order by priority asc, effective_date desc, coverage_id asc
        ) as coverage_rank
    from coverages
    where
        effective_date <= {{ as_of_date() }}
        and (termination_date is null or termination_date >= {{ as_of_date() }})

),

final as (

    select
        patients.patient_id,
        patients.location_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        patients.sex,
        patients.guardian_name,
        patients.guardian_phone,
        patients.zip,
        patients.primary_care_physician_npi,
        primary_coverages.coverage_id as primary_coverage_id,
        primary_coverages.payer_id as primary_payer_id
    from patients
    left join primary_coverages
        on
            patients.patient_id = primary_coverages.patient_id
            and primary_coverages.coverage_rank = 1

)

select * from final
