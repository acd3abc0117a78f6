-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per timesheet_id.
with

source as (

    select * from {{ source('raw_payroll', 'timesheets') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by timesheet_id
            order by _loaded_at desc, _file_name desc, _line_number desc
        ) as delivery_rank
    from source

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
    from ranked
    where delivery_rank = 1

)

select * from final
