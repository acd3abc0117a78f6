-- Dollars leaked per location, leak area and calendar month, for the twelve months up to and including
-- the as-of month. Every location x month x area is present (zeros), so this month vs last month and the
-- 12-month trend read straight off the table. Schedule gaps are only measured over scheduling's lookback
-- window (var scheduling_lookback_days): months it does not cover from their first day are null (not
-- measured), not zero.
{%- set schedule_lookback_days = var('scheduling_lookback_days') %}
with

locations as (

    select * from {{ ref('dim_locations') }}

),

leak_events as (

    select * from {{ ref('fct_leak_events') }}

),

months as (

    {{ leak_summary_months() }}

),

-- The leak areas and their labels: the seed is the one list (dashboards read it too).
leak_areas as (

    select * from {{ ref('leak_areas') }}

),

spine as (

    select
        locations.location_id,
        locations.location_name,
        months.month_start,
        months.months_back,
        leak_areas.leak_area,
        leak_areas.label as leak_area_label,
        leak_areas.sort_order as leak_area_sort_order
    from locations
    cross join months
    cross join leak_areas

),

monthly_events as (

    select
        location_id,
        leak_area,
        cast({{ dbt.date_trunc('month', 'event_date') }} as date) as month_start,
        count(*) as event_count,
        sum(leaked_amount) as leaked_amount
    from leak_events
    where event_date <= {{ as_of_date() }}
    group by
        location_id,
        leak_area,
        cast({{ dbt.date_trunc('month', 'event_date') }} as date)

),

final as (

    select
        spine.location_id,
        spine.location_name,
        spine.leak_area,
        spine.leak_area_label,
        spine.leak_area_sort_order,
        spine.month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'spine.month_start')) }} as date) as month_end,
        spine.months_back,
        spine.months_back = 0 as is_as_of_month,
        -- A schedule month counts only when the lookback window (as_of - lookback + 1 .. as_of) covers it
        -- from its first day: a month cut by the window's start would show a few days as a whole month.
        case
            when
                spine.leak_area = 'schedule_gaps'
                and spine.month_start <= {{ date_add_days(-schedule_lookback_days, as_of_date()) }}
                then false
            else true
        end as is_measured,
        coalesce(monthly_events.event_count, 0) as event_count,
        cast(coalesce(monthly_events.leaked_amount, 0) as decimal(12, 2)) as leaked_amount,
        {{ as_of_date() }} as as_of_date
    from spine
    left join monthly_events
        on
            spine.location_id = monthly_events.location_id
            and spine.leak_area = monthly_events.leak_area
            and spine.month_start = monthly_events.month_start

)

select
    location_id,
    location_name,
    leak_area,
    leak_area_label,
    leak_area_sort_order,
    month_start,
    month_end,
    months_back,
    is_as_of_month,
    is_measured,
    case when is_measured then event_count end as event_count,
    case when is_measured then leaked_amount end as leaked_amount,
    as_of_date
from final
