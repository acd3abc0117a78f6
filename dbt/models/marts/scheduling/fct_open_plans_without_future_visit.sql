-- One row per patient whose latest plan of care is open on the as-of date (status active, ending on or
-- after it) and who has no visit booked (status scheduled) on or after the as-of date: a child who fell
-- off the schedule. dollars_at_risk = the visits the plan calls for over the next four weeks (or until it
-- ends, if sooner) x the patient's contracted visit rate.
{%- set window_days = var('scheduling_window_days') %}
with

plans as (

    select
        *,
        -- Weeks of the booking window the plan still covers, a started week counting whole.
        least(
            cast(ceil(({{ dbt.datediff(as_of_date(), 'plan_end_date', 'day') }} + 1) / 7.0) as integer),  -- noqa: LT05
            {{ window_days // 7 }}
        ) as weeks_at_risk
    from {{ ref('int_plans_of_care_latest') }}
    where
        plan_status = 'active'
        and plan_end_date >= {{ as_of_date() }}

),

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

patients as (

    select * from {{ ref('dim_patients') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

booked_ahead as (

    select distinct patient_id
    from appointments
    where status = 'scheduled' and local_date >= {{ as_of_date() }}

),

history as (

    select
        patient_id,
        max(case when status = 'arrived' then local_date end) as last_kept_visit_date,
        max(case when status in ('cancelled', 'late_cancelled', 'no_show') then local_date end)
            as last_missed_visit_date,
        max(local_date) as last_appointment_date
    from appointments
    where local_date < {{ as_of_date() }} or status <> 'scheduled'
    group by patient_id

),

-- The therapist of the last kept visit (the family text offers to book with them again), never of a
-- cancelled or future appointment.
last_therapist as (

    select
        patient_id,
        provider_id,
        row_number() over (
            partition by patient_id
            order by local_date desc, local_start_minute desc, appointment_id desc
        ) as recency_rank
    from appointments
    where status = 'arrived' and local_date < {{ as_of_date() }}

),

final as (

    select
        plans.patient_id,
        patients.location_id,
        patients.primary_payer_id as payer_id,
        plans.plan_of_care_id,
        plans.plan_start_date,
        plans.plan_end_date,
        plans.frequency_per_week,
        history.last_kept_visit_date,
        history.last_missed_visit_date,
        history.last_appointment_date,
        {{ dbt.datediff('history.last_kept_visit_date', as_of_date(), 'day') }} as days_since_last_kept_visit,  -- noqa: LT05
        last_therapist.provider_id as last_provider_id,
        visit_rates.contracted_visit_rate,
        plans.weeks_at_risk,
        cast(
            coalesce(plans.frequency_per_week, 0) * plans.weeks_at_risk * coalesce(visit_rates.contracted_visit_rate, 0)
            as decimal(12, 2)
        ) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from plans
    inner join patients
        on plans.patient_id = patients.patient_id
    left join booked_ahead
        on plans.patient_id = booked_ahead.patient_id
    left join history
        on plans.patient_id = history.patient_id
    left join last_therapist
        on
            plans.patient_id = last_therapist.patient_id
            and last_therapist.recency_rank = 1
    left join visit_rates
        on
            plans.patient_id = visit_rates.patient_id
            and patients.primary_payer_id = visit_rates.payer_id
    where booked_ahead.patient_id is null

)

select * from final
