-- Unbalanced remits: one row per 835 line, claim or transaction (ST) that breaks a balancing rule
-- (docs/domain-reference.md 7.1): line charge - line adjustments = line paid; claim charge - all adjustments = claim
-- paid; the claims paid - provider adjustments (PLB) = the BPR02 payment (negative when BPR03 = D). The
-- remit still loads and posts (flagged, not dropped); this lists what to take up with the payer.
with

transactions as (

    select * from {{ ref('stg_clearinghouse__remit_transactions') }}

),

claims as (

    select * from {{ ref('stg_clearinghouse__remit_claims') }}

),

lines as (

    select * from {{ ref('stg_clearinghouse__remit_lines') }}

),

adjustments as (

    select * from {{ ref('stg_clearinghouse__remit_adjustments') }}

),

provider_adjustments as (

    select * from {{ ref('stg_clearinghouse__remit_provider_adjustments') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

-- Where a claim was seen: the location of its visit. A transaction-level row has no claim; it takes the
-- location whose facility NPI is the payee, only when one location alone bills under that NPI.
claim_locations as (

    select
        claim_id,
        min(location_id) as location_id
    from {{ ref('int_claim_lines_submitted') }}
    group by claim_id

),

payee_locations as (

    select
        facility_npi,
        min(location_id) as location_id
    from locations
    group by facility_npi
    having count(*) = 1

),

line_adjustments as (

    select
        remit_line_id,
        sum(amount) as adjustment_amount
    from adjustments
    where remit_line_id is not null
    group by remit_line_id

),

claim_adjustments as (

    select
        remit_claim_id,
        sum(amount) as adjustment_amount
    from adjustments
    group by remit_claim_id

),

claim_paid as (

    select
        remit_transaction_id,
        sum(paid_amount) as paid_amount
    from claims
    group by remit_transaction_id

),

plb_totals as (

    select
        remit_transaction_id,
        sum(amount) as adjustment_amount
    from provider_adjustments
    group by remit_transaction_id

),

line_checks as (

    select
        claims.remit_transaction_id,
        claims.remit_claim_id,
        lines.remit_line_id,
        claims.claim_id,
        lines.line_number,
        'line' as balancing_rule,
        'SVC02 charge - line CAS adjustments = SVC03 paid' as rule_text,
        lines.charge_amount - coalesce(line_adjustments.adjustment_amount, 0) as expected_amount,
        lines.paid_amount as reported_amount
    from lines
    inner join claims
        on lines.remit_claim_id = claims.remit_claim_id
    left join line_adjustments
        on lines.remit_line_id = line_adjustments.remit_line_id
    where lines.charge_amount is not null and lines.paid_amount is not null

),

claim_checks as (

    select
        claims.remit_transaction_id,
        claims.remit_claim_id,
        cast(null as {{ dbt.type_string() }}) as remit_line_id,
        claims.claim_id,
        cast(null as integer) as line_number,
        'claim' as balancing_rule,
        'CLP03 charge - claim and line CAS adjustments = CLP04 paid' as rule_text,
        claims.charge_amount - coalesce(claim_adjustments.adjustment_amount, 0) as expected_amount,
        claims.paid_amount as reported_amount
    from claims
    left join claim_adjustments
        on claims.remit_claim_id = claim_adjustments.remit_claim_id
    where claims.charge_amount is not null and claims.paid_amount is not null

),

transaction_checks as (

    select
        transactions.remit_transaction_id,
        cast(null as {{ dbt.type_string() }}) as remit_claim_id,
        cast(null as {{ dbt.type_string() }}) as remit_line_id,
        cast(null as {{ dbt.type_string() }}) as claim_id,
        cast(null as integer) as line_number,
        'transaction' as balancing_rule,
        'sum of CLP04 paid - PLB adjustments = BPR02 payment' as rule_text,
        coalesce(claim_paid.paid_amount, 0) - coalesce(plb_totals.adjustment_amount, 0) as expected_amount,
        case
            when transactions.credit_debit_flag = 'D' then -transactions.payment_amount else transactions.payment_amount
        end
            as reported_amount
    from transactions
    left join claim_paid
        on transactions.remit_transaction_id = claim_paid.remit_transaction_id
    left join plb_totals
        on transactions.remit_transaction_id = plb_totals.remit_transaction_id
    where transactions.payment_amount is not null

),

checks as (

    select * from line_checks
    union all
    select * from claim_checks
    union all
    select * from transaction_checks

),

final as (

    select
            -- The remit's own claim and line ids: a reversal and its correction share CLP01 in one 835.
        {{ dbt.hash(dbt.concat(["checks.remit_transaction_id", "':'", "checks.balancing_rule", "':'",
                                "coalesce(checks.remit_claim_id, '')", "':'",
                                "coalesce(checks.remit_line_id, '')"])) }}
            as unbalanced_remit_id,
        {{ as_of_date() }} as as_of_date,
        checks.remit_transaction_id,
        transactions.source_file_name,
        transactions.transaction_control_number,
        transactions.trace_number,
        transactions.payment_date,
        transactions.payer_id,
        transactions.payer_name,
        coalesce(claim_locations.location_id, payee_locations.location_id) as location_id,
        checks.claim_id,
        checks.line_number,
        checks.balancing_rule,
        checks.rule_text,
        cast(checks.expected_amount as decimal(12, 2)) as expected_amount,
        cast(checks.reported_amount as decimal(12, 2)) as reported_amount,
        cast(checks.reported_amount - checks.expected_amount as decimal(12, 2)) as difference_amount
    from checks
    inner join transactions
        on checks.remit_transaction_id = transactions.remit_transaction_id
    left join claim_locations
        on checks.claim_id = claim_locations.claim_id
    left join payee_locations
        on transactions.payee_npi = payee_locations.facility_npi
    where checks.expected_amount <> checks.reported_amount

)

select * from final
