-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per visit_id.
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
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
