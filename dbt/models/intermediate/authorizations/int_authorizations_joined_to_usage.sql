-- Each approved authorization with what has been used and booked against it at the as-of date,
-- whether an approved successor continues it, and the patient's booked visits past its end date
-- that no other approved authorization covers.
with

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

matched_appointments as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

approved_authorizations as (

    select * from authorizations
    where status = 'approved'

),

usage as (

    select
        authorization_id,
        sum(used_quantity) as used_quantity,
        sum(scheduled_quantity) as scheduled_quantity,
        sum(case when is_used and is_in_last_28_days then used_quantity else 0 end) as used_last_28_days_quantity,
        sum(case when is_used then 1 else 0 end) as kept_visit_count,
        sum(case when is_scheduled_ahead then 1 else 0 end) as scheduled_visit_count,
        max(case when is_used then date_of_service end) as last_kept_visit_date
    from matched_appointments
    group by authorization_id

),

-- Where the authorization's visits happen: the location of its latest kept or booked appointment.
latest_matched_location as (

    select
        authorization_id,
        location_id,
        row_number() over (
            partition by authorization_id
            order by date_of_service desc, appointment_id desc
        ) as recency_rank
    from matched_appointments
    where status in ('arrived', 'scheduled')

),

-- A successor is another approved authorization for the same patient and payer that starts after
-- this one starts and no later than the day after this one ends (so care continues without a gap).
successors as (

    select
        current_authorization.authorization_id,
        count(*) as successor_count
    from approved_authorizations as current_authorization
    inner join approved_authorizations as next_authorization
        on
            current_authorization.patient_id = next_authorization.patient_id
            and current_authorization.payer_id = next_authorization.payer_id
            and current_authorization.authorization_id <> next_authorization.authorization_id
            and current_authorization.start_date < next_authorization.start_date
            and next_authorization.start_date <= {{ date_add_days(1, 'current_authorization.end_date') }}
    group by current_authorization.authorization_id

),

scheduled_after_end as (

    select
        approved_authorizations.authorization_id,
        count(*) as scheduled_after_end_count
    from approved_authorizations
    inner join appointments
        on
            approved_authorizations.patient_id = appointments.patient_id
            and appointments.status = 'scheduled'
            and approved_authorizations.end_date < appointments.appointment_date
    left join matched_appointments as covered_elsewhere
        on
            appointments.appointment_id = covered_elsewhere.appointment_id
            and approved_authorizations.authorization_id <> covered_elsewhere.authorization_id
    where covered_elsewhere.appointment_id is null
    group by approved_authorizations.authorization_id

),

final as (

    select
        approved_authorizations.authorization_id,
        approved_authorizations.authorization_number,
        approved_authorizations.patient_id,
        approved_authorizations.coverage_id,
        approved_authorizations.payer_id,
        coalesce(latest_matched_location.location_id, patients.location_id) as location_id,
        approved_authorizations.unit_type,
        approved_authorizations.approved_quantity,
        approved_authorizations.start_date,
        approved_authorizations.end_date,
        approved_authorizations.cpt_codes,
        approved_authorizations.diagnosis_codes,
        coalesce(usage.used_quantity, 0) as used_quantity,
        coalesce(usage.scheduled_quantity, 0) as scheduled_quantity,
        coalesce(usage.used_last_28_days_quantity, 0) as used_last_28_days_quantity,
        coalesce(usage.kept_visit_count, 0) as kept_visit_count,
        coalesce(usage.scheduled_visit_count, 0) as scheduled_visit_count,
        usage.last_kept_visit_date,
        coalesce(scheduled_after_end.scheduled_after_end_count, 0) as scheduled_after_end_count,
        coalesce(successors.successor_count > 0, false) as has_successor
    from approved_authorizations
    left join usage
        on approved_authorizations.authorization_id = usage.authorization_id
    left join latest_matched_location
        on
            approved_authorizations.authorization_id = latest_matched_location.authorization_id
            and latest_matched_location.recency_rank = 1
    left join patients
        on approved_authorizations.patient_id = patients.patient_id
    left join successors
        on approved_authorizations.authorization_id = successors.authorization_id
    left join scheduled_after_end
        on approved_authorizations.authorization_id = scheduled_after_end.authorization_id

)

select * from final
