-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per referral_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'referrals'), ['referral_id']) }}

),

final as (

    select
        referral_id,
        patient_id,
        location_id,
        channel,
        received_at,
        first_response_at,
        referring_provider_npi,
        referring_provider_name,
        referring_provider_fax,
        status,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
