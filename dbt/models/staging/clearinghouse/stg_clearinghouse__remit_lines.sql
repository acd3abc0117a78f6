-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_line_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='remit_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'remit_lines'), ['remit_line_id']) }}

),

final as (

    select
        remit_line_id,
        remit_claim_id,
        line_number,
        procedure_code,
        modifiers,
        charge_amount,
        paid_amount,
        revenue_code,
        units_paid,
        original_procedure_code,
        original_units,
        service_date,
        line_control_number,
        allowed_amount,
        remark_codes,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
