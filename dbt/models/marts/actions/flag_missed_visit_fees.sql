{%- set rule_name = 'missed_visit_fee' -%}
{%- set rule_version = '1' -%}
{%- set fee_window_days = var('scheduling_fee_window_days') %}
-- One row per no-show or late cancellation (< 24 h) in the last week (var scheduling_fee_window_days, 7:
-- as_of - 6 .. as_of) that a fee may be drafted for. Never a Medicaid patient's visit (Medicaid programs bar
-- billing beneficiaries for missed appointments): those rows are left out here, and the emitter refuses
-- them again. Whether a fee is drafted at all is the group's policy (RCM_SCHEDULING_NO_SHOW_FEE_POLICY),
-- applied by emitters.missed_visit_fee.
with

missed as (

    select * from {{ ref('int_scheduling__missed_visits') }}

),

locations as (

    select * from {{ ref('dim_locations') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'missed.appointment_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        missed.appointment_id,
        missed.patient_id,
        missed.provider_id,
        missed.location_id,
        locations.location_name,
        missed.payer_id,
        missed.is_medicaid,
        case when missed.status = 'no_show' then 'no_show' else 'late_cancel' end as miss_type,
        missed.local_date as visit_date,
        missed.local_hour,
        missed.cancel_lead_hours,
        -- A week from the missed visit: the date stays put while the draft waits.
        {{ date_add_days(7, 'missed.local_date') }} as due_date
    from missed
    left join locations
        on missed.location_id = locations.location_id
    where
        missed.status in ('no_show', 'late_cancelled')
        and not coalesce(missed.is_medicaid, false)
        and missed.local_date > {{ date_add_days(-fee_window_days, as_of_date()) }}
        and missed.local_date <= {{ as_of_date() }}

)

select * from final
