{%- set rule_name = 'medicaid_balance_write_off' -%}
{%- set rule_version = '1' -%}
-- One row per claim whose primary payer on the date of service is Medicaid and whose 835 still leaves a
-- patient share (fct_patient_balances, route write_off_review). A Medicaid provider accepts Medicaid's payment
-- as payment in full (42 CFR 447.15): the balance is never billed to the family, so the billing lead reviews
-- the adjustment that takes it off, after checking Medicaid really was primary and no other coverage should
-- have paid first (Medicaid is the payer of last resort). What the family already paid is refunded.
with

balances as (

    select * from {{ ref('fct_patient_balances') }}
    where balance_route = 'write_off_review'

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'claim_id'])) }}
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        as_of_date,
        claim_id,
        visit_id,
        location_id,
        patient_id,
        payer_id,
        payer_name,
        medicaid_priority,
        secondary_payer_id as other_coverage_payer_id,
        first_service_date,
        last_service_date,
        latest_payment_date,
        charge_amount,
        insurance_paid_amount,
        deductible_amount,
        coinsurance_amount,
        copay_amount,
        not_covered_amount,
        patient_responsibility_amount,
        family_paid_amount,
        patient_responsibility_amount as dollars_at_risk,
        latest_payment_date as due_date  -- due from the payers' last answer, as a statement is
    from balances

)

select * from final
