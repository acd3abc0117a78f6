-- One row per provider and day with completed sessions or timesheet hours before the as-of date: session
-- hours (booked minutes of kept appointments), billed units, and paid clinical/admin/PTO hours, with the
-- pay period the day falls in (from the provider's own timesheet, else the group's pay-period calendar).
with

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

timesheets as (

    select * from {{ ref('stg_payroll__timesheets') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

visit_units as (

    select
        visit_id,
        sum(units) as billed_units
    from charge_lines
    group by visit_id

),

sessions as (

    select
        appointments.provider_id,
        appointments.appointment_date as work_date,
        count(*) as session_count,
        sum(appointments.duration_minutes) as session_minutes,
        sum(coalesce(visit_units.billed_units, 0)) as billed_units
    from appointments
    left join visits
        on appointments.appointment_id = visits.appointment_id
    left join visit_units
        on visits.visit_id = visit_units.visit_id
    where
        appointments.status = 'arrived'
        and appointments.appointment_date < {{ as_of_date() }}
    group by appointments.provider_id, appointments.appointment_date

),

paid as (

    select
        provider_id,
        work_date,
        min(location_id) as location_id,
        min(pay_period_start) as pay_period_start,
        min(pay_period_end) as pay_period_end,
        sum(case when hours_type = 'clinical' then hours else 0 end) as clinical_hours,
        sum(case when hours_type = 'admin' then hours else 0 end) as admin_hours,
        sum(case when hours_type = 'pto' then hours else 0 end) as pto_hours
    from timesheets
    where work_date < {{ as_of_date() }}
    group by provider_id, work_date

),

calendar as (

    select distinct
        pay_period_start,
        pay_period_end
    from timesheets

),

days as (

    select
        coalesce(sessions.provider_id, paid.provider_id) as provider_id,
        coalesce(sessions.work_date, paid.work_date) as work_date,
        paid.location_id as timesheet_location_id,
        paid.pay_period_start,
        paid.pay_period_end,
        coalesce(sessions.session_count, 0) as session_count,
        coalesce(sessions.session_minutes, 0) as session_minutes,
        coalesce(sessions.billed_units, 0) as billed_units,
        coalesce(paid.clinical_hours, 0) as clinical_hours,
        coalesce(paid.admin_hours, 0) as admin_hours,
        coalesce(paid.pto_hours, 0) as pto_hours
    from sessions
    full outer join paid
        on
            sessions.provider_id = paid.provider_id
            and sessions.work_date = paid.work_date

),

final as (

    select
        days.provider_id,
        coalesce(days.timesheet_location_id, providers.primary_location_id) as location_id,
        days.work_date,
        coalesce(days.pay_period_start, calendar.pay_period_start) as pay_period_start,
        coalesce(days.pay_period_end, calendar.pay_period_end) as pay_period_end,
        days.session_count,
        days.session_minutes,
        cast(days.session_minutes / 60.0 as decimal(8, 2)) as session_hours,
        days.billed_units,
        cast(days.clinical_hours as decimal(8, 2)) as clinical_hours,
        cast(days.admin_hours as decimal(8, 2)) as admin_hours,
        cast(days.pto_hours as decimal(8, 2)) as pto_hours
    from days
    left join providers
        on days.provider_id = providers.provider_id
    left join calendar
        on
            days.pay_period_start is null
            and days.work_date >= calendar.pay_period_start
            and days.work_date <= calendar.pay_period_end

)

select * from final
