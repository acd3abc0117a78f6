-- One row per denial flag routed to an appeal or a retro-authorization request in flag_denials_to_work:
-- the plan of care in force on the claim's date of service (its start and end dates cover the date; the
-- latest evaluation wins when two overlap), which the letter cites. A flag with no plan in force on that
-- date has no row.
with

flags as (

    select * from {{ ref('flag_denials_to_work') }}
    where route in ('appeal', 'retro_auth_request')

),

plans as (

    select * from {{ ref('stg_ehr__plans_of_care') }}

),

in_force as (

    select
        flags.flag_id,
        plans.plan_of_care_id,
        plans.evaluation_date,
        plans.start_date,
        plans.end_date,
        plans.frequency_per_week,
        plans.duration_weeks,
        plans.physician_signed_date,
        plans.functional_goals,
        row_number() over (
            partition by flags.flag_id
            order by plans.evaluation_date desc, plans.plan_of_care_id desc
        ) as plan_rank
    from flags
    inner join plans
        on
            flags.patient_id = plans.patient_id
            and flags.service_date >= plans.start_date
            and flags.service_date <= plans.end_date

),

final as (

    select
        flag_id,
        plan_of_care_id,
        evaluation_date,
        start_date,
        end_date,
        frequency_per_week,
        duration_weeks,
        physician_signed_date,
        functional_goals
    from in_force
    where plan_rank = 1

)

select * from final
