{%- set rule_name = 'claim_rejection_fix' -%}
{%- set rule_version = '1' -%}
-- Submitted claims whose latest 999 or 277CA answer is a rejection not yet followed by an accepted
-- resubmission: billing corrects what the acknowledgement names and resubmits before the payer's filing
-- limit. One flag per claim and rejection, so a claim rejected again for a new reason drafts anew.
with

acknowledgements as (

    select * from {{ ref('fct_claim_acknowledgements') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'",
                                'acknowledgements.claim_id', "':'", 'acknowledgements.open_rejection_id'])) }}
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        acknowledgements.claim_id,
        acknowledgements.location_id,
        acknowledgements.patient_id,
        acknowledgements.payer_id,
        acknowledgements.payer_name,
        acknowledgements.service_date,
        acknowledgements.charge_amount,
        acknowledgements.open_rejection_id as rejection_id,
        acknowledgements.open_rejection_source as rejection_source,
        acknowledgements.open_rejection_date as rejected_date,
        acknowledgements.rejection_count,
        acknowledgements.submission_count,
        acknowledgements.last_submitted_date,
        acknowledgements.expected_allowed_amount as dollars_at_risk,
        payer_rules.timely_filing_days,
        {{ date_add_days('payer_rules.timely_filing_days', 'acknowledgements.service_date') }} as due_date,
        {{ dbt.datediff(as_of_date(), date_add_days('payer_rules.timely_filing_days', 'acknowledgements.service_date'), 'day') }}  -- noqa: LT05
            as days_to_filing_deadline
    from acknowledgements
    left join payer_rules
        on acknowledgements.payer_id = payer_rules.payer_id
    where
        acknowledgements.is_rejection_open
        and acknowledgements.is_submitted

)

select * from final
