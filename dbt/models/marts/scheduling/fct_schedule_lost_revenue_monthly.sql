-- One row per location and month of the lookback window: missed visits, how many were refilled and the
-- revenue lost from the slots left unfilled.
with

missed as (

    select * from {{ ref('int_scheduling__missed_visits') }}

),

final as (

    select
        location_id,
        cast({{ dbt.date_trunc('month', 'local_date') }} as date) as month_start,
        count(*) as missed_visits,
        sum(case when is_refilled then 1 else 0 end) as refilled_visits,
        cast(sum(lost_revenue) as decimal(12, 2)) as lost_revenue
    from missed
    group by location_id, cast({{ dbt.date_trunc('month', 'local_date') }} as date)

)

select * from final
