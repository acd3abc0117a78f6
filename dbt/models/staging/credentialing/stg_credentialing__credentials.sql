-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per credential_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_credentialing', 'credentials'), ['credential_id']) }}

),

final as (

    select
        credential_id,
        provider_id,
        credential_type,
        identifier as credential_number,
        issuing_state,
        issued_date,
        expiration_date,
        status,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
