-- What each flagged rejection said, in words: the 999's segment and element errors (or its IK5 code
-- when it lists none), or the 277CA's claim and line statuses, each with its meaning and fix from seed
-- clearinghouse_ack_codes. A code the seed does not hold keeps its code with an empty description.
with

flags as (

    select * from {{ ref('flag_claims_rejected_at_clearinghouse') }}

),

implementation_acks as (

    select * from {{ ref('stg_clearinghouse__implementation_acks') }}

),

implementation_ack_errors as (

    select * from {{ ref('stg_clearinghouse__implementation_ack_errors') }}

),

claim_ack_statuses as (

    select * from {{ ref('stg_clearinghouse__claim_ack_statuses') }}

),

ack_codes as (

    select * from {{ ref('clearinghouse_ack_codes') }}

),

errors_999 as (

    select
        flags.flag_id,
        flags.claim_id,
        implementation_ack_errors.implementation_ack_error_id as reason_id,
        case
            when implementation_ack_errors.error_level = 'segment' then '999_segment_error'
            else '999_element_error'
        end as code_list,
        implementation_ack_errors.error_code as code,
        implementation_ack_errors.segment_id,
        implementation_ack_errors.loop_id,
        implementation_ack_errors.element_position,
        cast(null as {{ dbt.type_string() }}) as procedure_code,
        cast(null as {{ dbt.type_string() }}) as entity_code
    from flags
    inner join implementation_ack_errors
        on flags.rejection_id = implementation_ack_errors.implementation_ack_id
    where flags.rejection_source = '999'

),

status_999 as (

    select
        flags.flag_id,
        flags.claim_id,
        implementation_acks.implementation_ack_id as reason_id,
        '999_transaction_status' as code_list,
        implementation_acks.transaction_status_code as code,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        cast(null as {{ dbt.type_string() }}) as loop_id,
        cast(null as {{ dbt.type_int() }}) as element_position,
        cast(null as {{ dbt.type_string() }}) as procedure_code,
        cast(null as {{ dbt.type_string() }}) as entity_code
    from flags
    inner join implementation_acks
        on flags.rejection_id = implementation_acks.implementation_ack_id
    where
        flags.rejection_source = '999'
        and implementation_acks.error_count = 0

),

statuses_277ca as (

    select
        flags.flag_id,
        flags.claim_id,
        claim_ack_statuses.claim_ack_status_id as reason_id,
        '277_status' as code_list,
        claim_ack_statuses.status_code as code,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        cast(null as {{ dbt.type_string() }}) as loop_id,
        cast(null as {{ dbt.type_int() }}) as element_position,
        claim_ack_statuses.procedure_code,
        claim_ack_statuses.status_entity_code as entity_code,
        claim_ack_statuses.status_category_code
    from flags
    inner join claim_ack_statuses
        on flags.rejection_id = claim_ack_statuses.claim_ack_id
    where flags.rejection_source = '277CA'

),

reasons as (

    select
        *,
        cast(null as {{ dbt.type_string() }}) as status_category_code
    from errors_999
    union all
    select
        *,
        cast(null as {{ dbt.type_string() }}) as status_category_code
    from status_999
    union all
    select * from statuses_277ca

),

final as (

    select
        reasons.flag_id,
        reasons.claim_id,
        reasons.reason_id,
        reasons.code_list,
        reasons.code,
        codes.description,
        codes.fix,
        reasons.status_category_code,
        categories.description as status_category_description,
        categories.fix as status_category_fix,
        reasons.entity_code,
        entities.description as entity_description,
        reasons.segment_id,
        reasons.loop_id,
        reasons.element_position,
        reasons.procedure_code
    from reasons
    left join ack_codes as codes
        on
            reasons.code_list = codes.code_list
            and reasons.code = codes.code
    left join ack_codes as categories
        on
            categories.code_list = '277_status_category'
            and reasons.status_category_code = categories.code
    left join ack_codes as entities
        on
            entities.code_list = '277_entity'
            and reasons.entity_code = entities.code

)

select * from final
