-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_adjustment_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='remit_adjustment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'remit_adjustments'), ['remit_adjustment_id']) }}

),

final as (

    select
        remit_adjustment_id,
        remit_claim_id,
        remit_line_id,
        adjustment_level,
        group_code,
        reason_code,
        amount,
        quantity,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
