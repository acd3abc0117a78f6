-- Conversion and first-response time per location and channel: referrals received, answered, answered
-- within the first-response target, with a booked evaluation.
with

pipeline as (

    select * from {{ ref('fct_referral_pipeline') }}

),

final as (

    select
        location_id,
        channel,
        count(*) as referrals_received,
        sum(case when first_response_at is not null then 1 else 0 end) as referrals_responded,
        sum(case when is_first_response_on_time then 1 else 0 end) as responded_on_time,
        sum(case when is_first_response_overdue then 1 else 0 end) as responses_overdue,
        sum(case when is_evaluation_scheduled then 1 else 0 end) as evaluations_scheduled,
        sum(case when is_open then 1 else 0 end) as open_referrals,
        sum(case when is_open and items_missing_count > 0 then 1 else 0 end) as open_with_missing_items,
        avg(hours_to_first_response) as avg_hours_to_first_response,
        cast(sum(case when is_evaluation_scheduled then 1 else 0 end) * 1.0 / count(*) as decimal(6, 4))
            as conversion_rate,
        max(as_of_date) as as_of_date
    from pipeline
    group by location_id, channel

)

select * from final
