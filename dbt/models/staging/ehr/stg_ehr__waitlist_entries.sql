-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per waitlist_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'waitlist'), ['waitlist_id']) }}

),

final as (

    select
        waitlist_id,
        patient_id,
        location_id,
        service_line,
        payer_id,
        added_date,
        preferred_days,
        preferred_time,
        preferred_provider_id,
        status,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
