-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per eligibility_check_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'eligibility_checks'), ['eligibility_check_id']) }}

),

final as (

    select
        eligibility_check_id,
        patient_id,
        payer_id,
        checked_at,
        coverage_status,
        reported_plan_payer_id,
        other_payer_name,
        ot_visits_remaining,
        reject_reason_code,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
