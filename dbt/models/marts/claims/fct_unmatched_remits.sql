-- Remits that answer nothing we submitted: one row per posted 835 service line that matches no 837P
-- claim line, neither by CLP01 + REF*6R nor by CLP01 + date, code, modifiers and units.
with

posted as (

    select * from {{ ref('int_remit_lines_posted') }}

),

final as (

    select
        remit_line_id,
        remit_claim_id,
        claim_id,
        payer_x12_id,
        payer_claim_control_number,
        payment_date,
        trace_number,
        line_control_number,
        procedure_code,
        modifiers,
        units_paid,
        service_date,
        charge_amount,
        paid_amount,
        is_reversal,
        source_file_name
    from posted
    where match_method = 'unmatched'

)

select * from final
