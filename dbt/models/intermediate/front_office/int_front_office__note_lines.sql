-- Each billed line of a visit next to what the note documents for that code: documented minutes (null
-- when the note does not mention the code), whether the code is timed, and the units its own minutes
-- support counted per code (the midpoint rule, used by per_code payers).
with

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

notes as (

    select * from {{ ref('stg_ehr__visit_notes') }}

),

cpt_codes as (

    select * from {{ ref('ot_cpt_codes') }}

),

billed as (

    select
        visit_id,
        cpt_code,
        sum(units) as billed_units
    from charge_lines
    group by visit_id, cpt_code

),

final as (

    select
        billed.visit_id,
        billed.cpt_code,
        billed.billed_units,
        coalesce(cpt_codes.is_timed, false) as is_timed,
        notes.cpt_code is not null as is_documented,
        notes.documented_minutes,
        case
            when notes.documented_minutes >= 8 then {{ units_for_minutes('notes.documented_minutes') }}
            when notes.documented_minutes is not null then 0
        end as per_code_supported_units
    from billed
    left join notes
        on billed.visit_id = notes.visit_id and billed.cpt_code = notes.cpt_code
    left join cpt_codes
        on billed.cpt_code = cpt_codes.cpt_code

)

select * from final
