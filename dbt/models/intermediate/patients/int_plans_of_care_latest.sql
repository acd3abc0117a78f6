-- Each patient's latest plan of care (latest start date; drafts only when nothing else exists),
-- the plan a re-authorization packet is built on.
with

plans_of_care as (

    select * from {{ ref('stg_ehr__plans_of_care') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by patient_id
            order by
                case when status = 'draft' then 1 else 0 end,
                start_date desc,
                evaluation_date desc,
                plan_of_care_id desc
        ) as recency_rank
    from plans_of_care

),

final as (

    select
        plan_of_care_id,
        patient_id,
        provider_id,
        evaluation_date,
        start_date as plan_start_date,
        end_date as plan_end_date,
        frequency_per_week,
        duration_weeks,
        diagnosis_codes,
        functional_goals,
        physician_npi,
        physician_signed_date,
        status as plan_status
    from ranked
    where recency_rank = 1

)

select * from final
