-- Each payer's correction rules (claim_payer_correction_rules): its own row when the seed has one, else its
-- payer type's row; with its timely-filing days, which a clearinghouse acceptance must fall within. A payer
-- whose type has no row gets a frequency-7 replacement, 59 and no retro-authorization.
with

payers as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

correction_rules as (

    select * from {{ ref('claim_payer_correction_rules') }}

),

final as (

    select
        payers.payer_id,
        payers.payer_type,
        payers.timely_filing_days,
        coalesce(payer_row.correction_method, type_row.correction_method, 'replacement') as correction_method,
        coalesce(payer_row.distinct_service_modifier, type_row.distinct_service_modifier, '59')
            as distinct_service_modifier,
        coalesce(payer_row.allows_retro_authorization, type_row.allows_retro_authorization, false)
            as allows_retro_authorization,
        coalesce(payer_row.is_verified, type_row.is_verified, false) as is_correction_rule_verified
    from payers
    left join correction_rules as payer_row
        on payers.payer_id = payer_row.payer_id
    left join correction_rules as type_row
        on payers.payer_type = type_row.payer_type and type_row.payer_id is null

)

select * from final
