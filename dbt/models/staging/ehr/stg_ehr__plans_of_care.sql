-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per plan_of_care_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'plans_of_care'), ['plan_of_care_id']) }}

),

final as (

    select
        plan_of_care_id,
        patient_id,
        provider_id,
        evaluation_date,
        start_date,
        end_date,
        frequency_per_week,
        duration_weeks,
        diagnosis_codes,
        functional_goals,
        physician_npi,
        physician_name,
        physician_fax,
        physician_signed_date,
        status,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
