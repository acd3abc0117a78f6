-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per patient_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'patients'), ['patient_id']) }}

),

final as (

    select
        patient_id,
        location_id,
        first_name,
        last_name,
        date_of_birth,
        sex,
        guardian_name,
        guardian_phone,
        zip,
        primary_care_physician_npi,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
