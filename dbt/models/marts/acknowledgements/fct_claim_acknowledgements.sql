-- Per claim (CLM01), what the clearinghouse and payer said about it: the latest 999 and 277CA outcomes,
-- the first acceptance (accepted_date: proof the claim was filed, for timely filing) and whether a
-- rejection is still open. A rejection closes only when a later 277CA accepts the claim (a 999 says the
-- file could be read, not that the claim was accepted); ties on a date put the 277CA after the 999,
-- then the later-loaded acknowledgement last.
-- No column reads the as-of date, so it is incremental by claim: the claims whose acknowledgements, 837P
-- submissions or lines changed (changed_claims__fct_claim_acknowledgements in macros/changed_claims.sql says how
-- each input is covered); the post-hooks record what this build read.
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__fct_claim_acknowledgements'),
        post_hook=claims_to_rebuild_post_hooks()
            + claims_changed_in_read_hooks('int_claim_lines_submitted')
            + claims_changed_in_read_hooks('int_claim_lines_priced')
            + claims_changed_in_read_hooks('int_claim_acknowledgement_events'),
    )
}}
with

events as (

    select * from {{ ref('int_claim_acknowledgement_events') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

claim_headers as (

    select * from {{ ref('stg_clearinghouse__claim_headers') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

claim_transactions as (

    select * from {{ ref('stg_clearinghouse__claim_transactions') }}

),

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

priced_lines as (

    select * from {{ ref('int_claim_lines_priced') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

-- Each line with what its contract allows (int_claim_lines_priced), the amount every claims dollar uses.
claim_lines as (

    select
        submitted_lines.*,
        priced_lines.expected_allowed_amount
    from submitted_lines
    left join priced_lines
        on submitted_lines.claim_line_id = priced_lines.claim_line_id

),

submissions as (

    select
        claim_headers.claim_id,
        count(distinct claim_headers.claim_record_id) as submission_count,
        min(claim_transactions.created_date) as first_submitted_date,
        max(claim_transactions.created_date) as last_submitted_date
    from claim_headers
    left join claim_transactions
        on claim_headers.claim_transaction_id = claim_transactions.claim_transaction_id
    group by claim_headers.claim_id

),

claim_facts as (

    select
        claim_id,
        min(location_id) as location_id,
        min(patient_id) as patient_id,
        min(payer_id) as payer_id,
        min(payer_name) as payer_name,
        min(service_date) as service_date,
        cast(sum(charge_amount) as decimal(12, 2)) as charge_amount,
        cast(sum(coalesce(expected_allowed_amount, charge_amount)) as decimal(12, 2)) as expected_allowed_amount
    from claim_lines
    group by claim_id

),

ordered as (

    select
        events.*,
        case when acknowledgement_source = '277CA' then 2 else 1 end as source_rank,
        outcome = 'rejected' or (acknowledgement_source = '277CA' and outcome = 'accepted') as is_decisive
    from events

),

-- Every recency below is a position in one ordering of the claim's acknowledgements, newest first: the running
-- counts of 999s, 277CAs and decisive outcomes say which is the latest of its kind (the ordering restricted to
-- one source is that source's own newest-first order, as source_rank is constant within it). One sort serves
-- all three instead of a sort per partitioning.
{%- set newest_first %}
        partition by claim_id
        order by acknowledged_date desc, source_rank desc, loaded_at desc, acknowledgement_id desc
        rows between unbounded preceding and current row
{%- endset %}
ranked as (

    select
        ordered.*,
        sum(case when acknowledgement_source = '999' then 1 else 0 end) over ({{ newest_first }}) as count_999,
        sum(case when acknowledgement_source = '277CA' then 1 else 0 end) over ({{ newest_first }}) as count_277ca,
        sum(case when is_decisive then 1 else 0 end) over ({{ newest_first }}) as count_decisive,
        row_number() over ({{ newest_first }}) as recency
    from ordered

),

latest as (

    select
        ranked.*,
        acknowledgement_source = '999' and count_999 = 1 as is_latest_999,
        acknowledgement_source = '277CA' and count_277ca = 1 as is_latest_277ca,
        coalesce(is_decisive and count_decisive = 1, false) as is_latest_decisive
    from ranked

),

by_claim as (

    select
        claim_id,
        max(case when is_latest_999 then acknowledged_date end)
            as latest_999_date,
        max(case when is_latest_999 then status_code end)
            as latest_999_status_code,
        max(case when is_latest_999 then outcome end)
            as latest_999_outcome,
        max(case when is_latest_277ca then acknowledged_date end)
            as latest_277ca_date,
        max(case when is_latest_277ca then status_code end)
            as latest_277ca_category_code,
        max(case when is_latest_277ca then status_detail_code end)
            as latest_277ca_status_code,
        max(case when is_latest_277ca then status_entity_code end)
            as latest_277ca_entity_code,
        max(case when is_latest_277ca then outcome end)
            as latest_277ca_outcome,
        max(payer_claim_control_number) as payer_claim_control_number,
        min(case
            when acknowledgement_source = '277CA' and outcome = 'accepted'
                then coalesce(received_date, acknowledged_date)
        end) as accepted_date,
        sum(case when outcome = 'rejected' then 1 else 0 end) as rejection_count,
        min(case when outcome = 'rejected' then acknowledged_date end) as first_rejected_date,
        max(case when is_latest_decisive then outcome end) as latest_decisive_outcome,
        max(case when is_latest_decisive and outcome = 'rejected' then acknowledgement_id end)
            as open_rejection_id,
        max(case when is_latest_decisive and outcome = 'rejected' then acknowledgement_source end)
            as open_rejection_source,
        max(case when is_latest_decisive and outcome = 'rejected' then acknowledged_date end)
            as open_rejection_date,
        max(case when recency = 1 then outcome end) as latest_outcome
    from latest
    group by claim_id

),

claim_ids as (

    select claim_id from submissions
    union
    select claim_id from by_claim

),

final as (

    select
        claim_ids.claim_id,
        submissions.claim_id is not null as is_submitted,
        claim_facts.location_id,
        claim_facts.patient_id,
        claim_facts.payer_id,
        claim_facts.payer_name,
        claim_facts.service_date,
        claim_facts.charge_amount,
        claim_facts.expected_allowed_amount,
        coalesce(submissions.submission_count, 0) as submission_count,
        submissions.first_submitted_date,
        submissions.last_submitted_date,
        by_claim.latest_999_date,
        by_claim.latest_999_status_code,
        by_claim.latest_999_outcome,
        by_claim.latest_277ca_date,
        by_claim.latest_277ca_category_code,
        by_claim.latest_277ca_status_code,
        by_claim.latest_277ca_entity_code,
        by_claim.latest_277ca_outcome,
        by_claim.payer_claim_control_number,
        by_claim.accepted_date,
        coalesce(by_claim.rejection_count, 0) as rejection_count,
        by_claim.first_rejected_date,
        by_claim.open_rejection_id,
        by_claim.open_rejection_source,
        by_claim.open_rejection_date,
        coalesce(by_claim.latest_decisive_outcome = 'rejected', false) as is_rejection_open,
        case
            when by_claim.latest_decisive_outcome = 'rejected' then 'rejected'
            when by_claim.latest_outcome = 'review' then 'review'
            when by_claim.latest_decisive_outcome = 'accepted' then 'accepted'
            when by_claim.claim_id is null then 'not_acknowledged'
            else 'pending'
        end as acknowledgement_status
    from claim_ids
    left join submissions
        on claim_ids.claim_id = submissions.claim_id
    left join claim_facts
        on claim_ids.claim_id = claim_facts.claim_id
    left join by_claim
        on claim_ids.claim_id = by_claim.claim_id

)

select * from final
