-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per payer_id.
with

source as (

    select * from {{ source('raw_contracts', 'payers') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by payer_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

),

final as (

    select
        payer_id,
        payer_name,
        payer_type,
        is_medicaid,
        x12_payer_id,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
