-- One row per claim not yet answered by the payer (no 835) that fails at least one pre-submission
-- audit rule: the fix for each failing line goes to billing before the claim goes out.
{% set rule_name = 'claim_audit_fix' %}
{% set rule_version = '1' %}
with

failures as (

    select * from {{ ref('fct_claim_audit_failures') }}

),

priced_lines as (

    select * from {{ ref('int_claim_lines_priced') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

open_failures as (

    select * from failures
    where not is_remitted

),

claim_totals as (

    select
        claim_id,
        sum(charge_amount) as charge_amount,
        sum(coalesce(expected_allowed_amount, charge_amount)) as expected_allowed_amount,
        min(service_date) as first_service_date,
        count(*) as line_count
    from priced_lines
    group by claim_id

),

by_claim as (

    select
        claim_id,
        min(location_id) as location_id,
        min(patient_id) as patient_id,
        min(payer_id) as payer_id,
        min(payer_name) as payer_name,
        min(visit_id) as visit_id,
        min(provider_id) as provider_id,
        count(*) as failure_count,
        count(distinct rule_name) as rule_count,
        {{ dbt.listagg('distinct rule_name', "'|'", "order by rule_name") }} as rule_names
    from open_failures
    group by claim_id

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'by_claim.claim_id'])) }}
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        by_claim.claim_id,
        by_claim.location_id,
        by_claim.patient_id,
        by_claim.payer_id,
        by_claim.payer_name,
        by_claim.visit_id,
        by_claim.provider_id,
        claim_totals.first_service_date as service_date,
        claim_totals.line_count,
        by_claim.failure_count,
        by_claim.rule_count,
        by_claim.rule_names,
        cast(claim_totals.charge_amount as decimal(12, 2)) as charge_amount,
        cast(claim_totals.expected_allowed_amount as decimal(12, 2)) as dollars_at_risk,
        payer_rules.timely_filing_days,
        {{ date_add_days('payer_rules.timely_filing_days', 'claim_totals.first_service_date') }} as due_date,
        {{ dbt.datediff(as_of_date(), date_add_days('payer_rules.timely_filing_days', 'claim_totals.first_service_date'), 'day') }}  -- noqa: LT05
            as days_to_filing_deadline
    from by_claim
    inner join claim_totals
        on by_claim.claim_id = claim_totals.claim_id
    left join payer_rules
        on by_claim.payer_id = payer_rules.payer_id

)

select * from final
