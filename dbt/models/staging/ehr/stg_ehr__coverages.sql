-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per coverage_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'coverages'), ['coverage_id']) }}

),

final as (

    select
        coverage_id,
        patient_id,
        payer_id,
        payer_name,
        plan_name,
        payer_type,
        member_id,
        priority,
        is_medicaid,
        effective_date,
        termination_date,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
