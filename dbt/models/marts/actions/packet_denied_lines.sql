-- One row per denied claim line behind a flag in flag_denials_to_work, with the documented minutes a
-- corrected claim needs to decide on modifier XU.
with

flags as (

    select * from {{ ref('flag_denials_to_work') }}

),

denials as (

    select * from {{ ref('fct_denials') }}

),

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

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
        submitted_lines.documented_minutes
    from denials
    inner join flags
        on denials.work_flag_id = flags.flag_id
    left join submitted_lines
        on denials.claim_line_id = submitted_lines.claim_line_id

)

select * from final
