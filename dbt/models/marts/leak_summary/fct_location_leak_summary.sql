-- Dollars at risk and flag counts per location and leak area at the as-of date. Every location
-- appears, with zeros when nothing leaks there. New leak areas add a union branch here.
with

locations as (

    select * from {{ ref('dim_locations') }}

),

authorization_burndown as (

    select * from {{ ref('fct_authorization_burndown') }}

),

authorization_totals as (

    select
        location_id,
        count(*) as active_count,
        sum(case when is_flagged then 1 else 0 end) as flagged_count,
        sum(case when is_flagged then dollars_at_risk else 0 end) as dollars_at_risk
    from authorization_burndown
    group by location_id

),

authorization_area as (

    select
        locations.location_id,
        locations.location_name,
        'authorizations' as leak_area,
        coalesce(authorization_totals.flagged_count, 0) as flagged_count,
        coalesce(authorization_totals.active_count, 0) as active_count,
        cast(coalesce(authorization_totals.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from locations
    left join authorization_totals
        on locations.location_id = authorization_totals.location_id

),

final as (

    select * from authorization_area

)

select * from final
