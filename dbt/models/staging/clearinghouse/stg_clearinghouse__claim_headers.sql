-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per claim_record_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='claim_record_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'claim_headers'), ['claim_record_id']) }}

),

final as (

    select
        claim_record_id,
        claim_transaction_id,
        claim_id,
        total_charge_amount,
        place_of_service,
        claim_frequency_code,
        payer_sequence,
        claim_filing_indicator,
        payer_name,
        payer_identifier,
        subscriber_member_id,
        patient_date_of_birth,
        authorization_number,
        referral_number,
        payer_claim_control_number,
        diagnosis_codes,
        referring_npi,
        rendering_npi,
        segment_position,
        claim_x12,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
