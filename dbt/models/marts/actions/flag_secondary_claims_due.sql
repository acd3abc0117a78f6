-- One row per claim the primary payer has answered that leaves patient responsibility, or that the primary
-- denied as not covered by its plan (routes bill_secondary_or_write_off: CO-96/119/204; Medicaid is the
-- payer of last resort), on a patient with secondary coverage active on the date of service, with no claim
-- sent to the secondary payer yet (837P SBR01 = S) and the secondary filing window (from the primary's
-- payment date) still open.
{% set rule_name = 'secondary_claim' %}
{% set rule_version = '1' %}
with

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

answered_lines as (

    select * from {{ ref('fct_remit_line_positions') }}
    where claim_line_id is not null

),

-- Only a claim of a patient with a secondary coverage can be due (few are): every answered line of those claims,
-- not of every claim.
positions as (

    select * from answered_lines
    where claim_id in (
        select secondary_patient_lines.claim_id
        from answered_lines as secondary_patient_lines
        inner join coverages
            on secondary_patient_lines.patient_id = coverages.patient_id
        where coverages.priority >= 2
    )

),

payers as (

    select * from {{ ref('stg_contracts__payers') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

policies as (

    select * from {{ ref('claim_payer_type_policies') }}

),

last_resort_routes as (

    select distinct carc
    from {{ ref('claim_denial_routes') }}
    where route = 'bill_secondary_or_write_off' and rarc is null

),

claim_headers as (

    select * from {{ ref('stg_clearinghouse__claim_headers') }}

),

sent_to_secondary as (

    select distinct claim_id
    from claim_headers
    where payer_sequence = 'S'

),

primary_answers as (

    select
        positions.claim_id,
        min(positions.visit_id) as visit_id,
        min(positions.location_id) as location_id,
        min(positions.patient_id) as patient_id,
        min(positions.payer_id) as primary_payer_id,
        min(positions.payer_name) as primary_payer_name,
        min(positions.payer_claim_control_number) as primary_claim_control_number,
        min(positions.service_date) as service_date,
        max(positions.latest_payment_date) as primary_payment_date,
        count(*) as line_count,
        sum(positions.charge_amount) as charge_amount,
        sum(positions.net_paid_amount) as primary_paid_amount,
        sum(positions.patient_responsibility_amount) as patient_responsibility_amount,
        sum(
            case
                when positions.is_denied and last_resort_routes.carc is not null then positions.charge_amount else 0
            end
        )
            as not_covered_amount
    from positions
    left join last_resort_routes
        on positions.denial_carc = last_resort_routes.carc
    group by positions.claim_id

),

secondary_coverages as (

    select
        primary_answers.claim_id,
        coverages.coverage_id as secondary_coverage_id,
        coverages.payer_id as secondary_payer_id,
        row_number() over (partition by primary_answers.claim_id order by coverages.priority, coverages.coverage_id)
            as coverage_rank
    from primary_answers
    inner join coverages
        on
            primary_answers.patient_id = coverages.patient_id
            and coverages.priority >= 2
            and primary_answers.primary_payer_id <> coverages.payer_id
            and primary_answers.service_date >= coverages.effective_date
            and (coverages.termination_date is null or primary_answers.service_date <= coverages.termination_date)

),

due as (

    select
        primary_answers.*,
        secondary_coverages.secondary_coverage_id,
        secondary_coverages.secondary_payer_id,
        payer_rules.payer_name as secondary_payer_name,
        payer_rules.payer_type as secondary_payer_type,
        secondary_payers.x12_payer_id as secondary_payer_x12_id,
        primary_payers.x12_payer_id as primary_payer_x12_id,
        policies.claim_filing_indicator as secondary_filing_indicator,
        policies.secondary_filing_days,
        {{ date_add_days('policies.secondary_filing_days', 'primary_answers.primary_payment_date') }} as due_date
    from primary_answers
    inner join secondary_coverages
        on primary_answers.claim_id = secondary_coverages.claim_id and secondary_coverages.coverage_rank = 1
    left join payer_rules
        on secondary_coverages.secondary_payer_id = payer_rules.payer_id
    left join policies
        on payer_rules.payer_type = policies.payer_type
    left join payers as secondary_payers
        on secondary_coverages.secondary_payer_id = secondary_payers.payer_id
    left join payers as primary_payers
        on primary_answers.primary_payer_id = primary_payers.payer_id
    left join sent_to_secondary
        on primary_answers.claim_id = sent_to_secondary.claim_id
    where
        sent_to_secondary.claim_id is null
        -- paid nothing counts too: a deductible the patient owes in full is what a secondary plan picks up
        and primary_answers.primary_paid_amount >= 0
        and (primary_answers.patient_responsibility_amount > 0 or primary_answers.not_covered_amount > 0)

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'claim_id', "':'",
                                'secondary_payer_id'])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        claim_id,
        visit_id,
        location_id,
        patient_id,
        service_date,
        primary_payer_id,
        primary_payer_name,
        primary_payer_x12_id,
        primary_claim_control_number,
        primary_payment_date,
        secondary_coverage_id,
        secondary_payer_id as payer_id,
        secondary_payer_name as payer_name,
        secondary_payer_type,
        secondary_payer_x12_id,
        secondary_filing_indicator,
        line_count,
        cast(charge_amount as decimal(12, 2)) as charge_amount,
        cast(primary_paid_amount as decimal(12, 2)) as primary_paid_amount,
        cast(patient_responsibility_amount + not_covered_amount as decimal(12, 2)) as dollars_at_risk,
        secondary_filing_days,
        due_date,
        {{ dbt.datediff(as_of_date(), 'due_date', 'day') }}             as days_left  -- noqa: LT05
    from due
    where due_date is null or due_date >= {{ as_of_date() }}

)

select * from final
