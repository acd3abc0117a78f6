-- Underpayments: one row per paid claim line whose current allowed amount (AMT*B6, else paid + patient
-- share) is below what the contract allows for the units the payer paid (int_claim_lines_priced: the
-- modifier-specific or assistant rate, the multiple-procedure reduction where the payer applies it, the
-- lesser of charge and fee schedule). A payer that paid fewer units than billed is reported in
-- units_reduced (a unit decision, worked as a denial route), not as a rate shortfall: the variance only
-- counts the units paid. Fully denied lines are in fct_denials instead.
-- No column reads the as-of date, so it is incremental by claim from the claim-change logs of its two inputs
-- (changed_claims__fct_underpayments in macros/changed_claims.sql); the post-hooks record what this build read.
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__fct_underpayments'),
        post_hook=claims_to_rebuild_post_hooks()
            + claims_changed_in_read_hooks('fct_remit_line_positions')
            + claims_changed_in_read_hooks('int_claim_lines_priced'),
    )
}}
with

positions as (

    select * from {{ ref('fct_remit_line_positions') }}
    where not is_denied and latest_paid_amount > 0 and {{ only_claims_to_rebuild('claim_id') }}

),

priced_lines as (

    select * from {{ ref('int_claim_lines_priced') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

paid as (

    select
        positions.*,
        priced_lines.contracted_rate_per_unit,
        priced_lines.reduced_rate_per_unit,
        priced_lines.full_rate_units,
        priced_lines.fee_schedule_modifier,
        priced_lines.assistant_rate_percent,
        priced_lines.applies_mppr,
        priced_lines.mppr_subsequent_unit_percent,
        priced_lines.is_priced_at_charge,
        priced_lines.fee_schedule_disputable,
        priced_lines.fee_schedule_effective_date,
        priced_lines.fee_schedule_termination_date,
        least(abs(positions.units_paid), positions.billed_units) as paid_units,
        greatest(positions.billed_units - abs(positions.units_paid), 0) as units_reduced,
        coalesce(
            positions.latest_allowed_amount, positions.latest_paid_amount + positions.patient_responsibility_amount
        ) as allowed_on_remit,
        cast({{ expected_allowed(
            'priced_lines.contracted_rate_per_unit', 'priced_lines.reduced_rate_per_unit',
            'priced_lines.full_rate_units', 'least(abs(positions.units_paid), positions.billed_units)',
            'positions.charge_amount', 'positions.billed_units', 'priced_lines.pays_lesser_of_charge'
        ) }} as decimal(12, 2)) as expected_for_paid_units
    from positions
    inner join priced_lines
        on positions.claim_line_id = priced_lines.claim_line_id

),

final as (

    select
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
        paid_units,
        units_reduced,
        latest_payment_date as payment_date,
        contracted_rate_per_unit,
        reduced_rate_per_unit,
        full_rate_units,
        fee_schedule_modifier,
        assistant_rate_percent,
        applies_mppr,
        mppr_subsequent_unit_percent,
        is_priced_at_charge,
        fee_schedule_disputable,
        fee_schedule_effective_date,
        fee_schedule_termination_date,
        expected_for_paid_units as contracted_allowed_amount,
        cast(allowed_on_remit as decimal(12, 2)) as paid_allowed_amount,
        cast(expected_for_paid_units - allowed_on_remit as decimal(12, 2)) as variance_amount,
        cast(net_paid_amount as decimal(12, 2)) as net_paid_amount,
        reversal_count
    from paid
    where
        expected_for_paid_units is not null
        and allowed_on_remit < expected_for_paid_units - 0.01

)

select * from final
