-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per remit_claim_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='remit_claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'remit_claims'), ['remit_claim_id']) }}

),

final as (

    select
        remit_claim_id,
        remit_transaction_id,
        claim_id,
        claim_status_code,
        charge_amount,
        paid_amount,
        patient_responsibility_amount,
        claim_filing_indicator,
        payer_claim_control_number,
        place_of_service,
        claim_frequency_code,
        patient_member_id,
        rendering_npi,
        statement_from_date,
        statement_to_date,
        remark_codes as claim_remark_codes,
        segment_position,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
