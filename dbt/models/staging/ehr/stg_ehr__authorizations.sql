-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per authorization_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'authorizations'), ['authorization_id']) }}

),

final as (

    select
        authorization_id,
        authorization_number,
        patient_id,
        coverage_id,
        payer_id,
        status,
        unit_type,
        approved_quantity,
        start_date,
        end_date,
        cpt_codes,
        diagnosis_codes,
        requested_at,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
