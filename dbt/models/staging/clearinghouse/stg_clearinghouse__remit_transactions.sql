-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_transaction_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'remit_transactions'), ['remit_transaction_id']) }}

),

final as (

    select
        remit_transaction_id,
        interchange_sender_id,
        interchange_control_number,
        group_control_number,
        transaction_control_number,
        implementation_version,
        handling_code,
        payment_amount,
        credit_debit_flag,
        payment_method,
        payment_date,
        trace_number,
        payer_identifier,
        production_date,
        payer_name,
        payer_id,
        payee_name,
        payee_npi,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
