-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per payer_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_contracts', 'payers'), ['payer_id']) }}

),

final as (

    select
        payer_id,
        payer_name,
        payer_type,
        is_medicaid,
        x12_payer_id,
        fax_number,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
