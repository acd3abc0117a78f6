-- Each payer's plan-of-care rules: its own row in the seed, else the row for its payer type.
with

payers as (

    select * from {{ ref('dim_payers') }}

),

rules as (

    select * from {{ ref('front_office_plan_of_care_rules') }}

),

final as (

    select
        payers.payer_id,
        payers.payer_type,
        case
            when by_payer.payer_id is not null then by_payer.progress_report_every_visits
            else by_type.progress_report_every_visits
        end as progress_report_every_visits,
        case
            when by_payer.payer_id is not null then by_payer.recert_every_days
            else by_type.recert_every_days
        end as recert_every_days,
        coalesce(by_payer.signature_chase_after_days, by_type.signature_chase_after_days) as signature_chase_after_days,
        coalesce(by_payer.signature_chase_every_days, by_type.signature_chase_every_days) as signature_chase_every_days,
        case
            when by_payer.payer_id is not null then by_payer.certification_deadline_days
            else by_type.certification_deadline_days
        end as certification_deadline_days,
        coalesce(
            by_payer.order_on_file_waives_initial_signature, by_type.order_on_file_waives_initial_signature, false
        ) as order_on_file_waives_initial_signature,
        case when by_payer.payer_id is not null then 'payer' when by_type.payer_type is not null then 'payer_type' end
            as rule_source
    from payers
    left join rules as by_payer
        on payers.payer_id = by_payer.payer_id
    left join rules as by_type
        on payers.payer_type = by_type.payer_type and by_type.payer_id is null

)

select * from final
