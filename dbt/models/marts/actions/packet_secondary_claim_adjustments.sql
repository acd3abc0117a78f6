-- One row per adjustment (CAS) the primary payer made on the latest answer to a line of a claim in
-- flag_secondary_claims_due.
with

flags as (

    select * from {{ ref('flag_secondary_claims_due') }}

),

positions as (

    select * from {{ ref('fct_remit_line_positions') }}

),

adjustments as (

    select * from {{ ref('stg_clearinghouse__remit_adjustments') }}

),

final as (

    select
        adjustments.remit_adjustment_id,
        adjustments.remit_line_id,
        adjustments.group_code,
        adjustments.reason_code,
        adjustments.amount
    from adjustments
    inner join positions
        on adjustments.remit_line_id = positions.latest_remit_line_id
    inner join flags
        on positions.claim_id = flags.claim_id

)

select * from final
