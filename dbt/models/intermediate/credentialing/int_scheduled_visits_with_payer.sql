-- Scheduled appointments in the booking look-ahead (as-of date .. + lookahead_days - 1) with the payer of
-- the child's primary coverage on the visit date and the contracted value of one visit.
with

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

rules as (

    select * from {{ ref('credentialing_rules') }}
    where rule_set = 'default'

),

scheduled as (

    select appointments.*
    from appointments
    cross join rules
    where
        appointments.status = 'scheduled'
        and appointments.appointment_date >= {{ as_of_date() }}
        and appointments.appointment_date < {{ date_add_days('rules.lookahead_days', as_of_date()) }}

),

primary_coverage as (

    select
        scheduled.appointment_id,
        coverages.payer_id,
        row_number() over (
            partition by scheduled.appointment_id
            order by coverages.effective_date desc, coverages.coverage_id asc
        ) as coverage_rank
    from scheduled
    inner join coverages
        on
            scheduled.patient_id = coverages.patient_id
            and coverages.priority = 1
            and scheduled.appointment_date >= coverages.effective_date
            and (coverages.termination_date is null or scheduled.appointment_date <= coverages.termination_date)

),

final as (

    select
        scheduled.appointment_id,
        scheduled.patient_id,
        scheduled.provider_id,
        scheduled.location_id,
        scheduled.appointment_date,
        scheduled.appointment_type,
        primary_coverage.payer_id,
        rates.contracted_visit_rate
    from scheduled
    left join primary_coverage
        on
            scheduled.appointment_id = primary_coverage.appointment_id
            and primary_coverage.coverage_rank = 1
    left join rates
        on
            scheduled.patient_id = rates.patient_id
            and primary_coverage.payer_id = rates.payer_id

)

select * from final
