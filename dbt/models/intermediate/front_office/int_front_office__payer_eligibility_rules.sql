-- Each payer's eligibility window: its own row in the seed, else the row for its payer type.
with

payers as (

    select * from {{ ref('dim_payers') }}

),

rules as (

    select * from {{ ref('front_office_eligibility_rules') }}

),

final as (

    select
        payers.payer_id,
        payers.payer_name,
        payers.payer_type,
        payers.is_medicaid,
        payers.x12_payer_id,
        coalesce(by_payer.eligibility_window_hours, by_type.eligibility_window_hours) as eligibility_window_hours,
        coalesce(by_payer.requires_day_of_visit_check, by_type.requires_day_of_visit_check, false)
            as requires_day_of_visit_check,
        case when by_payer.payer_id is not null then 'payer' when by_type.payer_type is not null then 'payer_type' end
            as rule_source
    from payers
    left join rules as by_payer
        on payers.payer_id = by_payer.payer_id
    left join rules as by_type
        on payers.payer_type = by_type.payer_type and by_type.payer_id is null

)

select * from final
