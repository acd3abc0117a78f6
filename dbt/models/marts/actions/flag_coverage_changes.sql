{%- set rule_name = 'coverage_change' -%}
{%- set rule_version = '1' -%}
-- Coverage-change alerts for the front desk: a patient with any booked future visit (every one of them is
-- affected, not only those in the eligibility look-ahead) whose latest eligibility answer says the coverage
-- is inactive, names another plan/MCO, reports another payer
-- not on file, or has no OT visits left; plus the approved authorizations such a change invalidates
-- (inactive coverage or a plan change: the authorization belongs to the old plan).
-- flag_id is stable per (rule, version, patient, eligibility answer).
with

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

latest as (

    select * from {{ ref('int_front_office__latest_eligibility_by_patient') }}

),

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

-- Booked visits from 00:00 local time on the as-of date on, each priced at the coverage on file.
future_visits as (

    select
        appointments.appointment_id,
        appointments.patient_id,
        appointments.location_id,
        appointments.scheduled_start_at,
        cast({{ local_timestamp('appointments.scheduled_start_at', 'locations.time_zone') }} as date) as local_date
    from appointments
    inner join locations
        on appointments.location_id = locations.location_id
    where
        appointments.status = 'scheduled'
        and appointments.scheduled_start_at >= {{ local_as_of_utc('locations.time_zone') }}

),

patients_with_future_visits as (

    select
        future_visits.patient_id,
        min(future_visits.location_id) as location_id,
        min(future_visits.scheduled_start_at) as next_visit_at,
        min(future_visits.local_date) as next_visit_date,
        count(*) as upcoming_visit_count,
        {{ dbt.listagg('future_visits.appointment_id', "'|'", 'order by future_visits.scheduled_start_at, future_visits.appointment_id') }}  -- noqa: LT05
            as affected_appointment_ids,
        sum(coalesce(visit_rates.contracted_visit_rate, 0)) as upcoming_visit_amount
    from future_visits
    inner join latest
        on future_visits.patient_id = latest.patient_id
    left join visit_rates
        on future_visits.patient_id = visit_rates.patient_id and latest.coverage_payer_id = visit_rates.payer_id
    group by future_visits.patient_id

),

problems as (

    select
        latest.*,
        patients_with_future_visits.location_id,
        patients_with_future_visits.next_visit_at,
        patients_with_future_visits.next_visit_date,
        patients_with_future_visits.upcoming_visit_count,
        patients_with_future_visits.affected_appointment_ids,
        patients_with_future_visits.upcoming_visit_amount
    from latest
    inner join patients_with_future_visits
        on latest.patient_id = patients_with_future_visits.patient_id
    where latest.is_inactive or latest.is_plan_change or latest.is_other_payer_reported or latest.is_visit_limit_reached

),

invalidated_authorizations as (

    select
        problems.patient_id,
        count(*) as invalidated_authorization_count,
        {{ dbt.listagg('authorizations.authorization_id', "'|'", 'order by authorizations.authorization_id') }}
            as invalidated_authorization_ids,
        {{ dbt.listagg('authorizations.authorization_number', "'|'", 'order by authorizations.authorization_id') }}
            as invalidated_authorization_numbers
    from problems
    inner join authorizations
        on
            problems.patient_id = authorizations.patient_id
            and authorizations.status = 'approved'
            and authorizations.start_date <= {{ as_of_date() }}
            and authorizations.end_date >= {{ as_of_date() }}
            and problems.coverage_payer_id = authorizations.payer_id
    where problems.is_inactive or problems.is_plan_change
    group by problems.patient_id

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'problems.patient_id', "':'", 'problems.eligibility_check_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        problems.patient_id,
        problems.location_id,
        problems.coverage_id,
        problems.coverage_payer_id as payer_id,
        problems.coverage_payer_name as payer_name,
        problems.eligibility_check_id,
        problems.check_source,
        problems.checked_at,
        problems.coverage_status,
        problems.reported_plan_payer_id,
        reported_plans.payer_name as reported_plan_name,
        problems.other_payer_name,
        problems.ot_visits_remaining,
        problems.is_inactive,
        problems.is_plan_change,
        problems.is_other_payer_reported,
        problems.is_visit_limit_reached,
        coalesce(invalidated_authorizations.invalidated_authorization_count, 0) > 0 as is_authorization_invalidated,
        invalidated_authorizations.invalidated_authorization_ids,
        invalidated_authorizations.invalidated_authorization_numbers,
        problems.next_visit_at,
        problems.upcoming_visit_count,
        problems.affected_appointment_ids,
        concat_ws(
            '; ',
            case when problems.is_inactive then 'coverage inactive' end,
            case
                when
                    problems.is_plan_change
                    then 'plan changed to ' || coalesce(reported_plans.payer_name, problems.reported_plan_payer_id)
            end,
            case when problems.is_other_payer_reported then 'another payer reported: ' || problems.other_payer_name end,
            case when problems.is_visit_limit_reached then 'no OT visits remaining this benefit period' end,
            case
                when invalidated_authorizations.invalidated_authorization_count > 0 then 'authorization no longer valid'
            end
        ) as flag_reasons,
        cast(problems.upcoming_visit_amount as decimal(12, 2)) as dollars_at_risk,
        problems.next_visit_date as due_date
    from problems
    left join invalidated_authorizations
        on problems.patient_id = invalidated_authorizations.patient_id
    left join payers as reported_plans
        on problems.reported_plan_payer_id = reported_plans.payer_id

)

select * from final
