-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per implementation_ack_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'implementation_acks'), ['implementation_ack_id']) }}

),

final as (

    select
        implementation_ack_id,
        interchange_control_number,
        transaction_control_number,
        acknowledged_at_date,
        acknowledged_functional_id,
        acknowledged_group_control_number,
        acknowledged_group_version,
        acknowledged_transaction_set,
        acknowledged_transaction_control_number,
        acknowledged_implementation,
        transaction_status_code,
        transaction_syntax_error_codes,
        group_status_code,
        group_transactions_included,
        group_transactions_received,
        group_transactions_accepted,
        group_syntax_error_codes,
        error_count,
        segment_position,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
