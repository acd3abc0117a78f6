-- Underpayments: one row per paid claim line whose current allowed amount (AMT*B6, else paid +
-- patient share) is below the contracted allowed amount (fee schedule by payer, CPT and date x units),
-- with the variance. Denied lines are in fct_denials instead.
with

positions as (

    select * from {{ ref('fct_remit_line_positions') }}
    where not is_denied and latest_paid_amount > 0

),

final as (

    select
        {{ as_of_date() }} as as_of_date,
        claim_id,
        line_number,
        claim_line_id,
        location_id,
        patient_id,
        payer_id,
        payer_name,
        payer_type,
        visit_id,
        payer_claim_control_number,
        service_date,
        procedure_code,
        modifiers,
        billed_units,
        latest_payment_date as payment_date,
        cast(expected_allowed_amount as decimal(12, 2)) as contracted_allowed_amount,
        cast(coalesce(latest_allowed_amount, latest_paid_amount + patient_responsibility_amount) as decimal(12, 2))
            as paid_allowed_amount,
        cast(
            expected_allowed_amount
            - coalesce(latest_allowed_amount, latest_paid_amount + patient_responsibility_amount)
            as decimal(12, 2)
        ) as variance_amount,
        cast(net_paid_amount as decimal(12, 2)) as net_paid_amount,
        reversal_count
    from positions
    where
        expected_allowed_amount is not null
        and coalesce(latest_allowed_amount, latest_paid_amount + patient_responsibility_amount)
        < expected_allowed_amount - 0.01

)

select * from final
