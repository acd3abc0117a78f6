-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per visit_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='visit_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'visits'), ['visit_id']) }}

),

final as (

    select
        visit_id,
        appointment_id,
        patient_id,
        provider_id,
        location_id,
        coverage_id,
        claim_id,
        date_of_service,
        place_of_service,
        rendering_npi,
        authorization_number,
        diagnosis_codes,
        note_signed_at,
        patient_paid_amount,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
