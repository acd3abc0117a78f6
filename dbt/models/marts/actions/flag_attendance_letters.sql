{%- set rule_name = 'attendance_below_policy' -%}
{%- set rule_version = '1' -%}
-- One row per child in care whose attendance fell under the group's attendance policy
-- (fct_attendance_policy): the attendance-policy letter to the family. Counts only, no clinical detail.
with

attendance as (

    select * from {{ ref('fct_attendance_policy') }}
    where is_below_policy

),

locations as (

    select * from {{ ref('dim_locations') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'attendance.patient_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        attendance.as_of_date,
        attendance.patient_id,
        attendance.location_id,
        locations.location_name,
        attendance.payer_id,
        attendance.is_medicaid,
        attendance.kept_count,
        attendance.no_show_count,
        attendance.late_cancelled_count,
        attendance.counted_visits,
        attendance.attendance_rate,
        attendance.policy_min_rate,
        attendance.policy_window_days,
        attendance.next_visit_date,
        attendance.next_visit_date as due_date
    from attendance
    left join locations
        on attendance.location_id = locations.location_id

)

select * from final
