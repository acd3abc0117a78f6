-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per appointment_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='appointment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'appointments'), ['appointment_id']) }}

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
    from latest

)

select * from final
