-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per claim_line_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='claim_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'claim_lines'), ['claim_line_id']) }}

),

final as (

    select
        claim_line_id,
        claim_record_id,
        claim_id,
        line_number,
        procedure_code,
        modifiers,
        charge_amount,
        unit_basis,
        units,
        place_of_service,
        diagnosis_pointers,
        service_date,
        line_control_number,
        authorization_number,
        rendering_npi,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
