-- One row per line of a claim in flag_secondary_claims_due: the primary payer's latest answer for the line
-- (paid amount, units, procedure) that the secondary 837P carries in its line adjudication loop.
with

flags as (

    select * from {{ ref('flag_secondary_claims_due') }}

),

positions as (

    select * from {{ ref('fct_remit_line_positions') }}

),

final as (

    select
        positions.claim_id,
        positions.line_number,
        positions.latest_paid_amount as paid_amount,
        positions.procedure_code,
        positions.modifiers,
        coalesce(positions.units_paid, positions.billed_units) as units,
        positions.latest_remit_line_id
    from positions
    inner join flags
        on positions.claim_id = flags.claim_id

)

select * from final
