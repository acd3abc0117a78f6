-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per location_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'locations'), ['location_id']) }}

),

final as (

    select
        location_id,
        location_name,
        address_line,
        city,
        state,
        zip,
        facility_npi,
        service_lines,
        time_zone,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
