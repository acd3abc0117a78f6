-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per provider_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'providers'), ['provider_id']) }}

),

final as (

    select
        provider_id,
        npi,
        first_name,
        last_name,
        credential_type,
        supervising_provider_id,
        primary_location_id,
        taxonomy_code,
        hire_date,
        termination_date,
        date_of_birth,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
