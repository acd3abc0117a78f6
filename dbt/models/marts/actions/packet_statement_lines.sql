-- The service lines of each claim in flag_patient_statements_due, as the family's statement lists them: date,
-- code and its words, what insurance paid and adjusted, and what is the family's share.
with

flags as (

    select * from {{ ref('flag_patient_statements_due') }}

),

positions as (

    select * from {{ ref('fct_remit_line_positions') }}
    where claim_line_id is not null

),

cpt_codes as (

    select * from {{ ref('ot_cpt_codes') }}

),

final as (

    select
        flags.flag_id,
        positions.claim_id,
        positions.line_number,
        positions.service_date,
        positions.procedure_code,
        cpt_codes.short_descriptor as procedure_description,
        positions.billed_units,
        cast(positions.charge_amount as decimal(12, 2)) as charge_amount,
        cast(positions.net_paid_amount as decimal(12, 2)) as insurance_paid_amount,
        cast(
            positions.charge_amount - positions.net_paid_amount - positions.patient_responsibility_amount
            as decimal(12, 2)
        ) as insurance_adjusted_amount,
        cast(positions.patient_responsibility_amount as decimal(12, 2)) as patient_responsibility_amount
    from flags
    inner join positions
        on flags.claim_id = positions.claim_id
    left join cpt_codes
        on positions.procedure_code = cpt_codes.cpt_code

)

select * from final
