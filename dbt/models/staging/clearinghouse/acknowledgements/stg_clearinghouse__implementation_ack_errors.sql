-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per implementation_ack_error_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'implementation_ack_errors'), ['implementation_ack_error_id']) }}  -- noqa: LT05

),

final as (

    select
        implementation_ack_error_id,
        implementation_ack_id,
        error_level,
        segment_id,
        segment_position_in_transaction,
        loop_id,
        element_position,
        component_position,
        data_element_reference,
        error_code,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
