-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per template_id.
with

latest as (

    {{ latest_delivered_rows(source('raw_ehr', 'schedule_templates'), ['template_id']) }}

),

final as (

    select
        template_id,
        provider_id,
        location_id,
        weekday,
        start_time,
        end_time,
        slot_minutes,
        service_line,
        timezone as time_zone,
        effective_date,
        end_date,
        cast(substring(start_time, 1, 2) as integer) * 60 + cast(substring(start_time, 4, 2) as integer)
            as start_minute,
        cast(substring(end_time, 1, 2) as integer) * 60 + cast(substring(end_time, 4, 2) as integer)
            as end_minute,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
