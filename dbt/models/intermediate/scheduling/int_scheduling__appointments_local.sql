-- Every appointment in its location's local time (dim_locations.time_zone), with the payer of
-- the patient's primary coverage on that day and whether any coverage in force that day (of any rank:
-- Medicaid as secondary too) is Medicaid.
with

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

localized as (

    select
        appointments.*,
        {{ local_timestamp('appointments.scheduled_start_at', 'locations.time_zone') }}
            as local_start_at
    from appointments
    left join locations
        on appointments.location_id = locations.location_id

),

primary_coverage as (

    select
        localized.appointment_id,
        coverages.coverage_id,
        coverages.payer_id,
        coverages.is_medicaid,
        row_number() over (
            partition by localized.appointment_id
            order by coverages.effective_date desc, coverages.coverage_id asc
        ) as coverage_rank
    from localized
    inner join coverages
        on
            localized.patient_id = coverages.patient_id
            and coverages.priority = 1
            and coverages.effective_date <= cast(localized.local_start_at as date)
            and (
                coverages.termination_date is null
                or coverages.termination_date >= cast(localized.local_start_at as date)
            )

),

medicaid_any_rank as (

    select distinct localized.appointment_id
    from localized
    inner join coverages
        on
            localized.patient_id = coverages.patient_id
            and coverages.is_medicaid
            and coverages.effective_date <= cast(localized.local_start_at as date)
            and (
                coverages.termination_date is null
                or coverages.termination_date >= cast(localized.local_start_at as date)
            )

),

final as (

    select
        localized.appointment_id,
        localized.patient_id,
        localized.provider_id,
        localized.location_id,
        localized.appointment_type,
        localized.status,
        localized.duration_minutes,
        localized.scheduled_start_at,
        localized.booked_at,
        localized.cancelled_at,
        localized.local_start_at,
        cast(localized.local_start_at as date) as local_date,
        cast(extract(hour from localized.local_start_at) as integer) * 60
        + cast(extract(minute from localized.local_start_at) as integer) as local_start_minute,
        cast(extract(hour from localized.local_start_at) as integer) as local_hour,
        {{ scheduling_weekday('cast(localized.local_start_at as date)') }} as weekday,
        -- Hours between the cancellation and the visit; a late cancel is under 24 h.
        case
            when localized.cancelled_at is not null
                then {{ dbt.datediff('localized.cancelled_at', 'localized.scheduled_start_at', 'minute') }} / 60.0  -- noqa: LT05
        end as cancel_lead_hours,
        primary_coverage.coverage_id,
        primary_coverage.payer_id,
        medicaid_any_rank.appointment_id is not null as is_medicaid
    from localized
    left join primary_coverage
        on
            localized.appointment_id = primary_coverage.appointment_id
            and primary_coverage.coverage_rank = 1
    left join medicaid_any_rank
        on localized.appointment_id = medicaid_any_rank.appointment_id

)

select * from final
