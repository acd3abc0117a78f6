-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per provider_id.
with

source as (

    select * from {{ source('raw_ehr', 'providers') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by provider_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

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
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
