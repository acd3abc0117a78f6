-- One row per claim a draft rebuilds or cites (a corrected or new claim, a reopening request, an appeal or a
-- retro-authorization request in flag_denials_to_work, or a claim in flag_secondary_claims_due): the claim
-- as submitted and its billing provider loop, as X12 text.
with

denial_flags as (

    select * from {{ ref('flag_denials_to_work') }}

),

secondary_flags as (

    select * from {{ ref('flag_secondary_claims_due') }}

),

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

claim_headers as (

    select * from {{ ref('stg_clearinghouse__claim_headers') }}

),

claim_transactions as (

    select * from {{ ref('stg_clearinghouse__claim_transactions') }}

),

claims_to_rebuild as (

    select claim_id from denial_flags
    where route in ('corrected_claim', 'new_claim', 'appeal', 'retro_auth_request')
    union
    select claim_id from secondary_flags

),

final as (

    select distinct
        submitted_lines.claim_id,
        claim_headers.claim_x12,
        claim_transactions.billing_x12
    from claims_to_rebuild
    inner join submitted_lines
        on claims_to_rebuild.claim_id = submitted_lines.claim_id
    inner join claim_headers
        on submitted_lines.claim_record_id = claim_headers.claim_record_id
    inner join claim_transactions
        on claim_headers.claim_transaction_id = claim_transactions.claim_transaction_id
    where
        claim_headers.claim_x12 is not null
        and claim_transactions.billing_x12 is not null

)

select * from final
