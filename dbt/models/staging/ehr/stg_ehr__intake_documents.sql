-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per document_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'intake_documents'), ['document_id']) }}

),

final as (

    select
        document_id,
        referral_id,
        document_type,
        status,
        requested_date,
        received_date,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
