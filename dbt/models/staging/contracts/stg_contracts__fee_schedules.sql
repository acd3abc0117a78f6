-- Rename/cast only. Raw deliveries append, so keep the latest delivered row per
-- payer_id, cpt_code, modifier, effective_date.
with

latest as (

    {{ latest_delivered_rows(
        source('raw_contracts', 'fee_schedules'), ['payer_id', 'cpt_code', 'modifier', 'effective_date']
    ) }}

),

final as (

    select
        payer_id,
        cpt_code,
        modifier,
        allowed_amount,
        effective_date,
        termination_date,
        _file_name as source_file_name,
        _file_sha256 as source_file_sha256,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from latest

)

select * from final
