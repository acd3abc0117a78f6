-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per referral_id.
with

source as (

    select * from {{ source('raw_ehr', 'referrals') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by referral_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

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
        status,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
