with

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

final as (

    select
        payer_id,
        payer_name,
        payer_type,
        is_medicaid,
        x12_payer_id,
        payer_listed_in,
        reauth_lead_days,
        timely_filing_days,
        discipline_modifier_required,
        unit_method,
        requires_authorization,
        rule_source,
        rule_source_note
    from payer_rules

)

select * from final
