-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per appointment_id.
with

source as (

    select * from {{ source('raw_ehr', 'appointments') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by appointment_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

),

final as (

    select
        appointment_id,
        patient_id,
        provider_id,
        location_id,
        appointment_type,
        scheduled_start_at,
        duration_minutes,
        status,
        booked_at,
        cancelled_at,
        cast(scheduled_start_at as date) as appointment_date,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from ranked
    where delivery_rank = 1

)

select * from final
