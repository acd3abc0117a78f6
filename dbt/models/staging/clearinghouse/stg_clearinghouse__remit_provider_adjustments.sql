-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_provider_adjustment_id.
with

source as (

    select * from {{ source('raw_clearinghouse', 'remit_provider_adjustments') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by remit_provider_adjustment_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

),

final as (

    select
        remit_provider_adjustment_id,
        remit_transaction_id,
        provider_identifier,
        fiscal_period_date,
        reason_code,
        reference_identifier,
        amount,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
