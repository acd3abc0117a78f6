{%- set rule_name = 'unauthorized_visit' -%}
{%- set rule_version = '1' -%}
-- Kept visits no approved authorization covers (fct_unauthorized_visits): a review task for the front-desk
-- lead, whether or not the claim has gone out. Not sent yet: hold it and ask the payer for a retro-
-- authorization. Already sent (an 837 for it is on file): the payer will deny it for authorization, so
-- the retro-authorization request starts now and billing expects the denial. Either way a visit the payer
-- will not authorize is a write-off, never a bill to the family. flag_id is stable per (rule, version, visit).
with

unauthorized as (

    select * from {{ ref('fct_unauthorized_visits') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

submitted_claims as (

    select distinct claim_id
    from {{ ref('stg_clearinghouse__claim_headers') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'unauthorized.visit_id'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        unauthorized.visit_id,
        unauthorized.appointment_id,
        unauthorized.patient_id,
        unauthorized.payer_id,
        payers.payer_name,
        unauthorized.location_id,
        unauthorized.date_of_service,
        unauthorized.unauthorized_reason,
        unauthorized.unauthorized_reason_text,
        unauthorized.last_ended_date,
        unauthorized.next_start_date,
        visits.claim_id,
        submitted_claims.claim_id is not null as is_claim_submitted,
        coalesce(unauthorized.dollars_at_risk, 0) as dollars_at_risk,
        -- Due from the visit: the retro-authorization clock runs from the date of service, and the date stays put
        -- while the review waits.
        unauthorized.date_of_service as due_date
    from unauthorized
    left join visits
        on unauthorized.visit_id = visits.visit_id
    left join payers
        on unauthorized.payer_id = payers.payer_id
    left join submitted_claims
        on visits.claim_id = submitted_claims.claim_id

)

select * from final
