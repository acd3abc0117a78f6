-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per claim_ack_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='claim_ack_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'claim_acks'), ['claim_ack_id']) }}

),

final as (

    select
        claim_ack_id,
        interchange_control_number,
        transaction_control_number,
        information_source_entity_code,
        information_source_name,
        information_source_identifier,
        received_date,
        process_date,
        billing_provider_npi,
        patient_control_number as claim_id,
        payer_claim_control_number,
        clearinghouse_trace_number,
        status_category_code,
        status_code,
        status_entity_code,
        status_effective_date,
        action_code,
        total_charge_amount,
        service_from_date,
        service_to_date,
        status_count,
        segment_position,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
