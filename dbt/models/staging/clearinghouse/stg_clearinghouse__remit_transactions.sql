-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_transaction_id.
with

source as (

    select * from {{ source('raw_clearinghouse', 'remit_transactions') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by remit_transaction_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

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
    from ranked
    where delivery_rank = 1

)

select * from final
