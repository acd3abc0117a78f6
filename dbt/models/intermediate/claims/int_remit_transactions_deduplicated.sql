-- 835 transactions with re-deliveries marked. The same ERA re-sent with other bytes (line ends, a new
-- file name) gets new row ids, so it is recognised on (ISA06, ISA13, GS06, ST02, TRN02): the first
-- delivery is posted, later ones are duplicates and never posted (docs/domain-reference.md 7.1).
with

transactions as (

    select * from {{ ref('stg_clearinghouse__remit_transactions') }}

),

ranked as (

    select
        transactions.*,
        row_number() over (
            partition by
                coalesce(interchange_sender_id, ''),
                coalesce(interchange_control_number, ''),
                coalesce(group_control_number, ''),
                transaction_control_number,
                coalesce(trace_number, '')
            order by loaded_at, source_file_name, remit_transaction_id
        ) as delivery_rank
    from transactions

),

final as (

    select
        ranked.*,
        delivery_rank > 1 as is_duplicate_delivery
    from ranked

)

select * from final
