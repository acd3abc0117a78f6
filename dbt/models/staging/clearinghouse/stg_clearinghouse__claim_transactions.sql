-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per claim_transaction_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'claim_transactions'), ['claim_transaction_id']) }}

),

final as (

    select
        claim_transaction_id,
        interchange_sender_id,
        interchange_control_number,
        group_control_number,
        transaction_control_number,
        implementation_version,
        batch_id,
        created_date,
        transaction_type_code,
        billing_provider_name,
        billing_provider_npi,
        billing_provider_tin,
        billing_x12,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
