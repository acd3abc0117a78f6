-- One row per claim that is not (validly) filed yet and whose timely-filing deadline (first date of
-- service + the payer's timely_filing_days) falls within the lead window (RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS)
-- and has not passed: a visit billed in the EHR with no claim submitted, or a claim the payer rejected as
-- unprocessable (a denial with no appeal rights, e.g. CO-16/MA130: not "filed") with no new claim sent.
-- An unsent visit's dollars are what its contract will allow (int_unsent_visit_lines_priced: the fee schedule,
-- assistant rate, multiple-procedure reduction and lesser of charge, as a sent line is priced); a line with no
-- fee-schedule row counts at its charge. A rejected claim's dollars are the denial's.
{% set rule_name = 'timely_filing_alert' %}
{% set rule_version = '1' %}
with

reconciliation as (

    select * from {{ ref('fct_visit_claim_reconciliation') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

denials as (

    select * from {{ ref('fct_denials') }}

),

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

unsent_priced as (

    select
        claim_id as visit_id,
        sum(coalesce(expected_allowed_amount, charge_amount)) as expected_allowed_amount
    from {{ ref('int_unsent_visit_lines_priced') }}
    group by claim_id

),

not_submitted as (

    select
        reconciliation.claim_id,
        reconciliation.visit_id,
        reconciliation.location_id,
        reconciliation.patient_id,
        coverages.payer_id,
        reconciliation.service_date,
        'not_submitted' as alert_reason,
        cast(null as {{ dbt.type_string() }}) as carcs,
        coalesce(unsent_priced.expected_allowed_amount, reconciliation.charge_amount) as dollars_at_risk
    from reconciliation
    inner join visits
        on reconciliation.visit_id = visits.visit_id
    left join unsent_priced
        on reconciliation.visit_id = unsent_priced.visit_id
    left join coverages
        on visits.coverage_id = coverages.coverage_id
    where reconciliation.reconciliation_status = 'billed_no_claim'

),

-- A replacement (frequency 7) delivered on or after the rejection's date means it was resubmitted; a
-- replacement that was itself rejected later does not count (its denial is dated after it).
resubmitted as (

    select
        claim_id,
        max(cast(loaded_at as date)) as resubmitted_on
    from submitted_lines
    where claim_frequency_code = '7'
    group by claim_id

),

rejected as (

    select
        denials.claim_id,
        min(denials.visit_id) as visit_id,
        min(denials.location_id) as location_id,
        min(denials.patient_id) as patient_id,
        min(denials.payer_id) as payer_id,
        min(denials.service_date) as service_date,
        'rejected_not_resubmitted' as alert_reason,
        {{ dbt.listagg('distinct denials.denial_carc', "'|'", 'order by denials.denial_carc') }} as carcs,
        sum(denials.dollars_at_risk) as dollars_at_risk
    from denials
    left join resubmitted
        on
            denials.claim_id = resubmitted.claim_id
            and denials.denial_date <= resubmitted.resubmitted_on
    where not denials.has_appeal_rights and denials.route = 'new_claim' and resubmitted.claim_id is null
    group by denials.claim_id

),

candidates as (

    select * from not_submitted
    union all
    select * from rejected

),

dated as (

    select
        candidates.*,
        payer_rules.payer_name,
        payer_rules.timely_filing_days,
        {{ date_add_days('payer_rules.timely_filing_days', 'candidates.service_date') }} as due_date
    from candidates
    inner join payer_rules
        on candidates.payer_id = payer_rules.payer_id

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'",
                                "coalesce(claim_id, visit_id)", "':'", "alert_reason"])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        claim_id,
        visit_id,
        location_id,
        patient_id,
        payer_id,
        payer_name,
        service_date,
        alert_reason,
        carcs,
        timely_filing_days,
        {{ env_int_setting('RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS') }} as lead_days,
        due_date,
        {{ dbt.datediff(as_of_date(), 'due_date', 'day') }} as days_left,  -- noqa: LT05
        cast(dollars_at_risk as decimal(12, 2)) as dollars_at_risk
    from dated
    where
        due_date >= {{ as_of_date() }}
        and {{ dbt.datediff(as_of_date(), 'due_date', 'day') }} <= {{ env_int_setting('RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS') }}  -- noqa: LT05

)

select * from final
