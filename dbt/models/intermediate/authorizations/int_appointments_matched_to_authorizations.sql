-- Every appointment of a patient whose date falls inside one of the patient's approved authorizations,
-- when the coverage the authorization names is the patient's coverage with the authorization's payer.
-- The same appointment can match two overlapping authorizations; each match is one row. An authorization
-- is consumed only by the service it covers: a visit whose billed codes include none of the authorized
-- codes (a feeding visit under an OT authorization) is matched but uses nothing (is_service_covered false).
with

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

approved_authorizations as (

    select
        authorizations.authorization_id,
        authorizations.patient_id,
        authorizations.unit_type,
        authorizations.start_date,
        authorizations.end_date,
        authorizations.cpt_codes as authorized_cpt_codes
    from authorizations
    inner join coverages
        on
            authorizations.coverage_id = coverages.coverage_id
            and authorizations.patient_id = coverages.patient_id
            and authorizations.payer_id = coverages.payer_id
    where authorizations.status = 'approved'

),

appointments_in_window as (

    select
        approved_authorizations.authorization_id,
        approved_authorizations.unit_type,
        approved_authorizations.authorized_cpt_codes,
        appointments.appointment_id,
        appointments.patient_id,
        appointments.provider_id,
        appointments.location_id,
        appointments.appointment_date as date_of_service,
        appointments.status,
        appointments.duration_minutes
    from approved_authorizations
    inner join appointments
        on
            approved_authorizations.patient_id = appointments.patient_id
            and approved_authorizations.start_date <= appointments.appointment_date
            and approved_authorizations.end_date >= appointments.appointment_date

),

billed_lines as (

    select
        visits.appointment_id,
        charge_lines.cpt_code,
        charge_lines.units
    from visits
    inner join charge_lines
        on visits.visit_id = charge_lines.visit_id

),

-- Units count only for the CPT codes the authorization approves.
units_billed_under_authorization as (

    select
        appointments_in_window.authorization_id,
        appointments_in_window.appointment_id,
        sum(
            case
                when {{ pipe_list_contains('appointments_in_window.authorized_cpt_codes', 'billed_lines.cpt_code') }}
                    then billed_lines.units
                else 0
            end
        ) as authorized_units_billed,
        max(
            case
                when {{ pipe_list_contains('appointments_in_window.authorized_cpt_codes', 'billed_lines.cpt_code') }}
                    then 1
                else 0
            end
        ) = 1 as has_authorized_code
    from appointments_in_window
    inner join billed_lines
        on appointments_in_window.appointment_id = billed_lines.appointment_id
    group by
        appointments_in_window.authorization_id,
        appointments_in_window.appointment_id

),

distinct_billed_codes as (

    select distinct
        appointment_id,
        cpt_code
    from billed_lines

),

billed_code_lists as (

    select
        appointment_id,
        {{ dbt.listagg('cpt_code', "'|'", 'order by cpt_code') }} as billed_cpt_codes
    from distinct_billed_codes
    group by appointment_id

),

classified as (

    select
        appointments_in_window.*,
        coalesce(units_billed_under_authorization.authorized_units_billed, 0) as authorized_units_billed,
        -- Not billed yet (a booked visit, or charges still to post): taken as the authorized service.
        coalesce(units_billed_under_authorization.has_authorized_code, true) as is_service_covered,
        {{ units_for_minutes('appointments_in_window.duration_minutes') }} as planned_units,
        billed_code_lists.billed_cpt_codes,
        case
            when
                appointments_in_window.status = 'arrived'
                and appointments_in_window.date_of_service <= {{ as_of_date() }}
                then true
            else false
        end as is_used,
        case
            when
                appointments_in_window.status = 'scheduled'
                and appointments_in_window.date_of_service > {{ as_of_date() }}
                then true
            else false
        end as is_scheduled_ahead,
        -- The 28 days ending on the as-of date: as_of - 27 through as_of.
        case
            when
                appointments_in_window.date_of_service > {{ date_add_days(-28, as_of_date()) }}
                and appointments_in_window.date_of_service <= {{ as_of_date() }}
                then true
            else false
        end as is_in_last_28_days
    from appointments_in_window
    left join units_billed_under_authorization
        on
            appointments_in_window.authorization_id = units_billed_under_authorization.authorization_id
            and appointments_in_window.appointment_id = units_billed_under_authorization.appointment_id
    left join billed_code_lists
        on appointments_in_window.appointment_id = billed_code_lists.appointment_id

),

final as (

    select
        authorization_id,
        appointment_id,
        patient_id,
        provider_id,
        location_id,
        date_of_service,
        status,
        duration_minutes,
        billed_cpt_codes,
        authorized_units_billed,
        planned_units,
        is_used,
        is_scheduled_ahead,
        is_in_last_28_days,
        is_service_covered,
        -- What this appointment adds to the authorization, in its unit_type.
        case
            when not is_used or not is_service_covered then 0
            when unit_type = 'visits' then 1
            else authorized_units_billed
        end as used_quantity,
        case
            when not is_scheduled_ahead then 0
            when unit_type = 'visits' then 1
            else planned_units
        end as scheduled_quantity,
        case
            when status = 'arrived' then authorized_units_billed
            when status = 'scheduled' then planned_units
            else 0
        end as units
    from classified

)

select * from final
