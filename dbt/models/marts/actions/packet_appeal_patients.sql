-- One row per patient with a denial routed to an appeal in flag_denials_to_work: the identifiers the
-- appeal letter names (primary coverage member id) and the latest plan of care it cites.
with

flags as (

    select distinct patient_id from {{ ref('flag_denials_to_work') }}
    where route = 'appeal' or (route = 'corrected_claim' and payer_type = 'medicare')

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }} where priority = 1

),

plans as (

    select * from {{ ref('int_plans_of_care_latest') }}

),

final as (

    select
        patients.patient_id,
        patients.first_name,
        patients.last_name,
        patients.date_of_birth,
        coverages.member_id,
        plans.plan_of_care_id,
        plans.evaluation_date,
        plans.plan_start_date,
        plans.plan_end_date,
        plans.frequency_per_week,
        plans.duration_weeks,
        plans.physician_signed_date,
        plans.functional_goals
    from flags
    inner join patients
        on flags.patient_id = patients.patient_id
    left join coverages
        on patients.patient_id = coverages.patient_id
    left join plans
        on patients.patient_id = plans.patient_id

)

select * from final
