-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_provider_adjustment_id.
with

latest as (

    {{ latest_delivered_rows(
        source('raw_clearinghouse', 'remit_provider_adjustments'), ['remit_provider_adjustment_id']
    ) }}

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
    from latest

)

select * from final
