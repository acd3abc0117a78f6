-- The EHR charge lines of visits billed with no 837P sent yet (no claim of theirs in int_claim_lines_submitted),
-- shaped as the claim lines they will go out as, so price_claim_lines values them by the same contract rules
-- as a sent line. claim_line_id is the line control number the claim will carry (visit id '-' line number,
-- docs/contracts.md); claim_id is the visit id (one claim per visit), which the multiple-procedure reduction
-- groups a day's units by.
with

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

assistant_modifiers as (

    select * from {{ ref('claim_assistant_modifiers') }}

),

submitted_claims as (

    select distinct claim_id from {{ ref('int_claim_lines_submitted') }}

),

final as (

    select
        {{ dbt.concat([
            "charge_lines.visit_id", "'-'", "cast(charge_lines.line_number as " ~ dbt.type_string() ~ ")",
        ]) }} as claim_line_id,
        charge_lines.visit_id as claim_id,
        charge_lines.line_number,
        coverages.payer_id,
        payer_rules.payer_type,
        visits.date_of_service as service_date,
        charge_lines.cpt_code as procedure_code,
        charge_lines.modifiers,
        cast(charge_lines.units as integer) as units,
        charge_lines.charge_amount,
        assistant_modifiers.assistant_modifier as payer_assistant_modifier,
        assistant_modifiers.assistant_payment_percent
    from charge_lines
    inner join visits
        on charge_lines.visit_id = visits.visit_id
    inner join coverages
        on visits.coverage_id = coverages.coverage_id
    left join payer_rules
        on coverages.payer_id = payer_rules.payer_id
    left join assistant_modifiers
        on payer_rules.payer_type = assistant_modifiers.payer_type
    left join submitted_claims
        on visits.claim_id = submitted_claims.claim_id
    where submitted_claims.claim_id is null

)

select * from final
