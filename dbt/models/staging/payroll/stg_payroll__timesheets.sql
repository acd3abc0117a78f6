-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per timesheet_id.
-- Incremental: raw history only appends, so a new delivery re-ranks just the keys it touched.
{{
    config(
        materialized='incremental',
        unique_key='timesheet_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook='{{ delete_superseded_rows() }}',
    )
}}
with

latest as (

    {{ latest_delivered_rows(source('raw_payroll', 'timesheets'), ['timesheet_id']) }}

),

final as (

    select
        timesheet_id,
        provider_id,
        location_id,
        work_date,
        pay_period_start,
        pay_period_end,
        hours,
        hours_type,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
