-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per eligibility_response_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_clearinghouse', 'eligibility_responses'), ['eligibility_response_id']) }}

),

final as (

    select
        eligibility_response_id,
        interchange_control_number,
        transaction_control_number,
        implementation_version,
        responded_at,
        payer_name,
        payer_identifier,
        provider_npi,
        hierarchical_level,
        trace_number,
        patient_account_number,
        member_id,
        plan_begin_date,
        plan_end_date,
        eligibility_date,
        reject_reason_code,
        reject_follow_up_code,
        benefit_count,
        segment_position,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
