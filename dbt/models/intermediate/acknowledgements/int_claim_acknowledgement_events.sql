-- Every acknowledgement of one claim, from either answer the clearinghouse sends: the 999 (whether our
-- 837P transaction could be read: all its claims share the outcome) and the 277CA (whether each claim
-- was accepted into adjudication). The outcome comes from the seeded code lists; a code they do not
-- hold is 'review', so it counts as neither accepted nor rejected.
-- Incremental by claim (changed_claims__int_claim_acknowledgement_events in macros/changed_claims.sql says how
-- each input is covered): a claim's 999 events come from the 999s naming the control numbers of its 837P
-- transactions, ranked against every transaction with those numbers, so those are what a rebuild reads.
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__int_claim_acknowledgement_events'),
        post_hook=claims_to_rebuild_post_hooks()
            + record_input_copy_hooks('loaded_through', 'acknowledgement_inputs_loaded_through'),
    )
}}
with

claim_headers as (

    select * from {{ ref('stg_clearinghouse__claim_headers') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

all_claim_transactions as (

    select * from {{ ref('stg_clearinghouse__claim_transactions') }}

),

-- The control numbers (GS06/ST02) of the rebuilt claims' transactions: the only 999s that can answer them.
control_numbers as (

    select distinct
        all_claim_transactions.group_control_number,
        all_claim_transactions.transaction_control_number
    from claim_headers
    inner join all_claim_transactions
        on claim_headers.claim_transaction_id = all_claim_transactions.claim_transaction_id

),

-- Every transaction with those numbers (a 999 answers the latest of them, whichever claims it carries).
claim_transactions as (

    select all_claim_transactions.*
    from all_claim_transactions
    inner join control_numbers
        on
            all_claim_transactions.group_control_number = control_numbers.group_control_number
            and all_claim_transactions.transaction_control_number = control_numbers.transaction_control_number

),

implementation_acks as (

    select implementation_acks.*
    from {{ ref('stg_clearinghouse__implementation_acks') }} as implementation_acks
    inner join control_numbers
        on
            implementation_acks.acknowledged_group_control_number = control_numbers.group_control_number
            and implementation_acks.acknowledged_transaction_control_number
            = control_numbers.transaction_control_number

),

claim_acks as (

    select * from {{ ref('stg_clearinghouse__claim_acks') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

ack_codes as (

    select * from {{ ref('clearinghouse_ack_codes') }}

),

-- A 999 names our GS06/ST02. Control numbers come round again in time, so it answers the latest 837P
-- transaction with those numbers created on or before the 999's date.
matched_transactions as (

    select
        implementation_acks.implementation_ack_id,
        claim_transactions.claim_transaction_id,
        row_number() over (
            partition by implementation_acks.implementation_ack_id
            order by claim_transactions.created_date desc, claim_transactions.loaded_at desc
        ) as match_rank
    from implementation_acks
    inner join claim_transactions
        on
            implementation_acks.acknowledged_group_control_number = claim_transactions.group_control_number
            and implementation_acks.acknowledged_transaction_control_number
            = claim_transactions.transaction_control_number
            and (
                implementation_acks.acknowledged_at_date is null
                or claim_transactions.created_date is null
                or implementation_acks.acknowledged_at_date >= claim_transactions.created_date
            )
    where implementation_acks.acknowledged_transaction_set = '837'

),

events_999 as (

    select
        implementation_acks.implementation_ack_id as acknowledgement_id,
        '999' as acknowledgement_source,
        claim_headers.claim_id,
        claim_headers.claim_record_id,
        implementation_acks.acknowledged_at_date as acknowledged_date,
        cast(null as date) as received_date,
        implementation_acks.transaction_status_code as status_code,
        cast(null as {{ dbt.type_string() }}) as status_detail_code,
        cast(null as {{ dbt.type_string() }}) as status_entity_code,
        cast(null as {{ dbt.type_string() }}) as payer_claim_control_number,
        cast(null as {{ dbt.type_string() }}) as information_source_entity_code,
        coalesce(ack_codes.outcome, 'review') as outcome,
        implementation_acks.loaded_at
    from implementation_acks
    inner join matched_transactions
        on
            implementation_acks.implementation_ack_id = matched_transactions.implementation_ack_id
            and matched_transactions.match_rank = 1
    inner join claim_headers
        on matched_transactions.claim_transaction_id = claim_headers.claim_transaction_id
    left join ack_codes
        on
            ack_codes.code_list = '999_transaction_status'
            and implementation_acks.transaction_status_code = ack_codes.code

),

events_277ca as (

    select
        claim_acks.claim_ack_id as acknowledgement_id,
        '277CA' as acknowledgement_source,
        claim_acks.claim_id,
        cast(null as {{ dbt.type_string() }}) as claim_record_id,
        coalesce(claim_acks.status_effective_date, claim_acks.process_date, claim_acks.received_date)
            as acknowledged_date,
        claim_acks.received_date,
        claim_acks.status_category_code as status_code,
        claim_acks.status_code as status_detail_code,
        claim_acks.status_entity_code,
        claim_acks.payer_claim_control_number,
        claim_acks.information_source_entity_code,
        coalesce(ack_codes.outcome, 'review') as outcome,
        claim_acks.loaded_at
    from claim_acks
    left join ack_codes
        on
            ack_codes.code_list = '277_status_category'
            and claim_acks.status_category_code = ack_codes.code

),

final as (

    select * from events_999
    union all
    select * from events_277ca

)

select * from final
