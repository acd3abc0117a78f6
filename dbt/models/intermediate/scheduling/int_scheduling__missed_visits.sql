-- Every past appointment that did not happen (cancelled, late-cancelled under 24 h, no-show) in the
-- lookback window, whether its slot was refilled (another visit of the same therapist was kept starting in
-- the same hour that day) and the revenue lost when it was not: the contracted rate of the missed visit.
{%- set lookback_days = var('scheduling_lookback_days') %}
with

appointments as (

    select * from {{ ref('int_scheduling__appointments_local') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

missed as (

    select * from appointments
    where
        status in ('cancelled', 'late_cancelled', 'no_show')
        and local_date > {{ date_add_days(-lookback_days, as_of_date()) }}
        and local_date <= {{ as_of_date() }}

),

refills as (

    select distinct missed.appointment_id
    from missed
    inner join appointments as kept
        on
            missed.provider_id = kept.provider_id
            and missed.local_date = kept.local_date
            and missed.local_hour = kept.local_hour
            and kept.status = 'arrived'
            and missed.appointment_id <> kept.appointment_id

),

final as (

    select
        missed.appointment_id,
        missed.patient_id,
        missed.provider_id,
        missed.location_id,
        missed.payer_id,
        missed.is_medicaid,
        missed.status,
        missed.local_date,
        missed.weekday,
        missed.local_hour,
        missed.cancel_lead_hours,
        refills.appointment_id is not null as is_refilled,
        cast(
            case when refills.appointment_id is null then coalesce(visit_rates.contracted_visit_rate, 0) else 0 end
            as decimal(12, 2)
        ) as lost_revenue
    from missed
    left join refills
        on missed.appointment_id = refills.appointment_id
    left join visit_rates
        on missed.patient_id = visit_rates.patient_id and missed.payer_id = visit_rates.payer_id

)

select * from final
