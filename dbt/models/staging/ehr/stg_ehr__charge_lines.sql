-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per visit_id, line_number.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key=['visit_id', 'line_number'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'charge_lines'), ['visit_id', 'line_number']) }}

),

final as (

    select
        visit_id,
        line_number,
        cpt_code,
        modifiers,
        minutes,
        units,
        charge_amount,
        assistant_minutes,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
