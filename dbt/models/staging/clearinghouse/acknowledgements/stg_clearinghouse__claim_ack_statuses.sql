-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per claim_ack_status_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='claim_ack_status_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'claim_ack_statuses'), ['claim_ack_status_id']) }}

),

final as (

    select
        claim_ack_status_id,
        claim_ack_id,
        status_level,
        line_ordinal,
        procedure_code,
        line_item_control_number,
        composite_position,
        status_category_code,
        status_code,
        status_entity_code,
        status_effective_date,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
