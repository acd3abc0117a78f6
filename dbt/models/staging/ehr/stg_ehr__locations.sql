-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per location_id.
with

source as (

    select * from {{ source('raw_ehr', 'locations') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by location_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

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
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
