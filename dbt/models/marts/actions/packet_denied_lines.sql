-- One row per denied claim line behind a flag in flag_denials_to_work, with what a corrected claim needs to
-- apply the correction: the documented minutes and the units they support, the authorization in force on
-- the date of service for the line's code, and whether the note documents it as a distinct service.
with

flags as (

    select * from {{ ref('flag_denials_to_work') }}

),

denials as (

    select * from {{ ref('fct_denials') }}

),

all_submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

-- The patients of the flagged denied lines. A line's supported units count every line of its patient's day, so
-- their lines are kept whole, and so are the lines without a patient (one day's count among themselves): the
-- same units as over every line, on a fraction of them.
flagged_patients as (

    select distinct all_submitted_lines.patient_id
    from denials
    inner join flags
        on denials.work_flag_id = flags.flag_id
    inner join all_submitted_lines
        on denials.claim_line_id = all_submitted_lines.claim_line_id

),

submitted_lines as (

    select * from all_submitted_lines
    where
        patient_id in (select flagged_patients.patient_id from flagged_patients)
        or patient_id is null

),

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

-- Supported units count every submitted line of the patient's day (the 8-minute rule), denied or not.
{{ supported_units_ctes('submitted_lines') }},

{{ service_authorization_cte('submitted_lines', 'authorizations') }},

final as (

    select
        flags.flag_id,
        denials.claim_id,
        denials.line_number,
        denials.procedure_code,
        denials.modifiers,
        denials.billed_units,
        denials.denial_carc,
        denials.carc_description,
        denials.remark_codes,
        denials.denial_category,
        denials.denial_date,
        denials.deadline_date,
        denials.days_left,
        denials.is_documented_separately,
        denials.distinct_service_modifier,
        submitted_lines.documented_minutes,
        timed_supported.supported_units,
        authorization_for_service.service_authorization_number,
        authorization_for_service.service_authorization_start_date,
        authorization_for_service.service_authorization_end_date
    from denials
    inner join flags
        on denials.work_flag_id = flags.flag_id
    left join submitted_lines
        on denials.claim_line_id = submitted_lines.claim_line_id
    left join timed_supported
        on denials.claim_line_id = timed_supported.claim_line_id
    left join authorization_for_service
        on denials.claim_line_id = authorization_for_service.claim_line_id

)

select * from final
