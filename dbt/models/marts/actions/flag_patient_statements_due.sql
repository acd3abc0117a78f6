{%- set rule_name = 'patient_statement' -%}
{%- set rule_version = '1' -%}
-- One row per claim whose balance is the family's to pay (fct_patient_balances, route statement): every payer
-- has adjudicated it, the child has no Medicaid coverage of any rank, and the patient responsibility is more
-- than what the family already paid. The statement goes to the parent or guardian on file. It is due from the
-- payers' last answer, a date that stays put while the statement waits (the as-of date would move every night).
with

balances as (

    select * from {{ ref('fct_patient_balances') }}
    where balance_route = 'statement'

),

patients as (

    select * from {{ ref('stg_ehr__patients') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'balances.claim_id'])) }}
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        balances.as_of_date,
        balances.claim_id,
        balances.visit_id,
        balances.location_id,
        balances.patient_id,
        patients.first_name as patient_first_name,
        patients.last_name as patient_last_name,
        patients.guardian_name,
        balances.payer_id,
        balances.payer_name,
        balances.first_service_date,
        balances.last_service_date,
        balances.latest_payment_date,
        balances.charge_amount,
        balances.insurance_paid_amount,
        balances.insurance_adjusted_amount,
        balances.deductible_amount,
        balances.coinsurance_amount,
        balances.copay_amount,
        balances.not_covered_amount,
        balances.patient_responsibility_amount,
        balances.family_paid_amount,
        balances.has_medicaid,
        balances.balance_due_amount as dollars_at_risk,
        balances.latest_payment_date as due_date
    from balances
    left join patients
        on balances.patient_id = patients.patient_id

)

select * from final
