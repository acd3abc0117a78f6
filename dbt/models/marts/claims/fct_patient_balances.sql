-- What the family owes on each claim the payers have answered: one row per claim whose latest answers leave
-- patient responsibility (835 CAS group PR), split by kind (PR-1 deductible, PR-2 coinsurance, PR-3 copay,
-- any other PR reason: not covered by the plan), less what the family already paid toward the visit, with the
-- route the balance takes:
-- - secondary_claim / write_off_review: the child has Medicaid coverage of any rank active on the date of
--   service. A Medicaid provider accepts Medicaid's payment as payment in full (42 CFR 447.15): the family is
--   never billed. With Medicaid as secondary the balance goes on the secondary claim (flag_secondary_claims_due);
--   with Medicaid as primary it is a write-off review for the billing lead (flag_medicaid_balance_write_offs).
-- - awaiting_secondary: another secondary plan is active on the date of service and has not adjudicated the
--   claim yet (no 835 answering it as secondary, CLP02 = 2 or 20): no statement until it has.
-- - nothing_due: the family has already paid the whole responsibility.
-- - statement: a patient statement to the family (flag_patient_statements_due).
with

answered_lines as (

    select * from {{ ref('fct_remit_line_positions') }}
    where claim_line_id is not null

),

-- A claim leaves the family a balance only if one of its lines does (about one claim in eight): every answered
-- line of those claims, not of every claim.
positions as (

    select * from answered_lines
    where claim_id in (
        select owing_lines.claim_id from answered_lines as owing_lines
        where owing_lines.patient_responsibility_amount > 0
    )

),

adjustments as (

    select * from {{ ref('stg_clearinghouse__remit_adjustments') }}
    where group_code = 'PR' and adjustment_level = 'line'

),

remit_claims as (

    select * from {{ ref('stg_clearinghouse__remit_claims') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

-- The patient responsibility of each line's latest answer, by kind.
line_kinds as (

    select
        positions.claim_id,
        positions.claim_line_id,
        sum(case when adjustments.reason_code = '1' then adjustments.amount else 0 end) as deductible_amount,
        sum(case when adjustments.reason_code = '2' then adjustments.amount else 0 end) as coinsurance_amount,
        sum(case when adjustments.reason_code = '3' then adjustments.amount else 0 end) as copay_amount
    from positions
    inner join adjustments
        on positions.latest_remit_line_id = adjustments.remit_line_id
    group by positions.claim_id, positions.claim_line_id

),

claims as (

    select
        positions.claim_id,
        min(positions.visit_id) as visit_id,
        min(positions.location_id) as location_id,
        min(positions.patient_id) as patient_id,
        min(positions.payer_id) as payer_id,
        min(positions.payer_name) as payer_name,
        min(positions.service_date) as first_service_date,
        max(positions.service_date) as last_service_date,
        max(positions.latest_payment_date) as latest_payment_date,
        count(*) as line_count,
        sum(positions.charge_amount) as charge_amount,
        sum(positions.net_paid_amount) as insurance_paid_amount,
        sum(positions.patient_responsibility_amount) as patient_responsibility_amount,
        sum(coalesce(line_kinds.deductible_amount, 0)) as deductible_amount,
        sum(coalesce(line_kinds.coinsurance_amount, 0)) as coinsurance_amount,
        sum(coalesce(line_kinds.copay_amount, 0)) as copay_amount
    from positions
    left join line_kinds
        on positions.claim_line_id = line_kinds.claim_line_id
    group by positions.claim_id

),

medicaid_coverage as (

    select
        claims.claim_id,
        min(coverages.priority) as medicaid_priority
    from claims
    inner join coverages
        on
            claims.patient_id = coverages.patient_id
            and coverages.is_medicaid
            and claims.first_service_date >= coverages.effective_date
            and (coverages.termination_date is null or claims.first_service_date <= coverages.termination_date)
    group by claims.claim_id

),

other_secondary as (

    select
        claims.claim_id,
        min(coverages.payer_id) as secondary_payer_id
    from claims
    inner join coverages
        on
            claims.patient_id = coverages.patient_id
            and coverages.priority >= 2
            and claims.payer_id <> coverages.payer_id
            and not coalesce(coverages.is_medicaid, false)
            and claims.first_service_date >= coverages.effective_date
            and (coverages.termination_date is null or claims.first_service_date <= coverages.termination_date)
    group by claims.claim_id

),

answered_as_secondary as (

    select distinct claim_id
    from remit_claims
    where claim_status_code in ('2', '20')

),

family_paid as (

    select
        claim_id,
        sum(coalesce(patient_paid_amount, 0)) as family_paid_amount
    from visits
    group by claim_id

),

routed as (

    select
        claims.*,
        claims.charge_amount - claims.insurance_paid_amount - claims.patient_responsibility_amount
            as insurance_adjusted_amount,
        claims.patient_responsibility_amount - claims.deductible_amount - claims.coinsurance_amount
        - claims.copay_amount as not_covered_amount,
        coalesce(family_paid.family_paid_amount, 0) as family_paid_amount,
        claims.patient_responsibility_amount - coalesce(family_paid.family_paid_amount, 0) as balance_due_amount,
        medicaid_coverage.medicaid_priority,
        other_secondary.secondary_payer_id,
        answered_as_secondary.claim_id is not null as is_secondary_adjudicated,
        case
            when medicaid_coverage.medicaid_priority >= 2 then 'secondary_claim'
            when medicaid_coverage.medicaid_priority is not null then 'write_off_review'
            when other_secondary.claim_id is not null and answered_as_secondary.claim_id is null
                then 'awaiting_secondary'
            when claims.patient_responsibility_amount - coalesce(family_paid.family_paid_amount, 0) <= 0
                then 'nothing_due'
            else 'statement'
        end as balance_route
    from claims
    left join medicaid_coverage
        on claims.claim_id = medicaid_coverage.claim_id
    left join other_secondary
        on claims.claim_id = other_secondary.claim_id
    left join answered_as_secondary
        on claims.claim_id = answered_as_secondary.claim_id
    left join family_paid
        on claims.claim_id = family_paid.claim_id
    where claims.patient_responsibility_amount > 0

),

final as (

    select
        claim_id,
        visit_id,
        location_id,
        patient_id,
        payer_id,
        payer_name,
        first_service_date,
        last_service_date,
        latest_payment_date,
        line_count,
        cast(charge_amount as decimal(12, 2)) as charge_amount,
        cast(insurance_paid_amount as decimal(12, 2)) as insurance_paid_amount,
        cast(insurance_adjusted_amount as decimal(12, 2)) as insurance_adjusted_amount,
        cast(deductible_amount as decimal(12, 2)) as deductible_amount,
        cast(coinsurance_amount as decimal(12, 2)) as coinsurance_amount,
        cast(copay_amount as decimal(12, 2)) as copay_amount,
        cast(not_covered_amount as decimal(12, 2)) as not_covered_amount,
        cast(patient_responsibility_amount as decimal(12, 2)) as patient_responsibility_amount,
        cast(family_paid_amount as decimal(12, 2)) as family_paid_amount,
        cast(balance_due_amount as decimal(12, 2)) as balance_due_amount,
        medicaid_priority is not null as has_medicaid,
        medicaid_priority,
        secondary_payer_id,
        is_secondary_adjudicated,
        balance_route,
        {{ as_of_date() }} as as_of_date
    from routed

)

select * from final
