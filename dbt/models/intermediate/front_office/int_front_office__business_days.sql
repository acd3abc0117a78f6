-- The group's business-day calendar: every date from 2020 to three years past the as-of date, whether the
-- clinics are open (Monday to Friday and not in the group_holidays seed), the running count of business
-- days (business_day_number: equal on a closed day and the business day before it), and the first
-- business day on or after each date. Counting N business days after a date is a lookup on the number.
with

spine as (

    {{ dbt.date_spine('day', "cast('2020-01-01' as date)", date_add_days(1096, as_of_date())) }}

),

holidays as (

    select * from {{ ref('group_holidays') }}

),

flagged as (

    select
        cast(spine.date_day as date) as calendar_date,
        {{ front_office_isodow('spine.date_day') }} < 6 and holidays.holiday_date is null as is_business_day,
        holidays.holiday_name
    from spine
    left join holidays
        on cast(spine.date_day as date) = holidays.holiday_date

),

numbered as (

    select
        calendar_date,
        is_business_day,
        holiday_name,
        sum(case when is_business_day then 1 else 0 end) over (order by calendar_date rows unbounded preceding)
            as business_day_number
    from flagged

),

final as (

    select
        calendar_date,
        is_business_day,
        holiday_name,
        business_day_number,
        -- A closed day's next business day is numbered one above it; an open day is its own.
        case when is_business_day then business_day_number else business_day_number + 1 end
            as next_business_day_number
    from numbered

)

select * from final
