-- One row per child still in care (a visit booked after the as-of date) with attendance over the policy
-- window: kept / (kept + no-show + late-cancelled) in the window ending on the as-of date (cancellations
-- with notice do not count against the family). Below the policy rate with at least the minimum number of
-- counted visits = below policy. Policy: dbt vars scheduling_attendance_min_rate (0.85),
-- scheduling_attendance_window_days (60), scheduling_attendance_min_visits (4), set from the settings.
{%- set window_days = var('scheduling_attendance_window_days') %}
{%- set min_rate = var('scheduling_attendance_min_rate') %}
{%- set min_visits = var('scheduling_attendance_min_visits') %}
with

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

in_care as (

    select
        patient_id,
        min(local_date) as next_visit_date
    from appointments
    where status = 'scheduled' and local_date > {{ as_of_date() }}
    group by patient_id

),

counted as (

    select
        patient_id,
        max(location_id) as location_id,
        max(payer_id) as payer_id,
        max(case when is_medicaid then 1 else 0 end) = 1 as is_medicaid,
        sum(case when status = 'arrived' then 1 else 0 end) as kept_count,
        sum(case when status = 'no_show' then 1 else 0 end) as no_show_count,
        sum(case when status = 'late_cancelled' then 1 else 0 end) as late_cancelled_count
    from appointments
    where
        status in ('arrived', 'no_show', 'late_cancelled')
        and local_date > {{ date_add_days(-window_days, as_of_date()) }}
        and local_date <= {{ as_of_date() }}
    group by patient_id

),

final as (

    select
        counted.patient_id,
        counted.location_id,
        counted.payer_id,
        counted.is_medicaid,
        counted.kept_count,
        counted.no_show_count,
        counted.late_cancelled_count,
        counted.kept_count + counted.no_show_count + counted.late_cancelled_count as counted_visits,
        counted.kept_count * 1.0
        / (counted.kept_count + counted.no_show_count + counted.late_cancelled_count) as attendance_rate,
        in_care.next_visit_date,
        {{ min_rate }} as policy_min_rate,
        {{ window_days }} as policy_window_days,
        counted.kept_count + counted.no_show_count + counted.late_cancelled_count >= {{ min_visits }}
        and counted.kept_count * 1.0
        / (counted.kept_count + counted.no_show_count + counted.late_cancelled_count) < {{ min_rate }}
            as is_below_policy,
        {{ as_of_date() }} as as_of_date
    from counted
    inner join in_care
        on counted.patient_id = in_care.patient_id

)

select * from final
