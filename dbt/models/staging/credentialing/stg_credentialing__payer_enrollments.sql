-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per enrollment_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_credentialing', 'payer_enrollments'), ['enrollment_id']) }}

),

final as (

    select
        enrollment_id,
        provider_id,
        payer_id,
        location_id,
        status,
        effective_date,
        termination_date,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
