-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per (visit_id, cpt_code).
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'visit_notes'), ['visit_id', 'cpt_code']) }}

),

final as (

    select
        visit_id,
        cpt_code,
        documented_minutes,
        goals_addressed,
        note_status,
        signed_at,
        signed_by_provider_id,
        time_block_start,
        time_block_end,
        separate_session,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
