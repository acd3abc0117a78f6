-- Each payer's rules: its own row in the payer_rules seed, else the default for its payer type.
with

payers as (

    select * from {{ ref('stg_contracts__payers') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

payer_rules as (

    select * from {{ ref('payer_rules') }}

),

payer_type_defaults as (

    select * from {{ ref('payer_type_defaults') }}

),

-- A payer can show up on coverages before the contracts extract lists it; take its name and type
-- from the most recently delivered coverage so its authorizations still get rules.
payers_seen_on_coverages as (

    select
        payer_id,
        payer_name,
        payer_type,
        is_medicaid,
        row_number() over (
            partition by payer_id
            order by loaded_at desc, coverage_id desc
        ) as coverage_rank
    from coverages

),

payers_missing_from_extract as (

    select
        payers_seen_on_coverages.payer_id,
        payers_seen_on_coverages.payer_name,
        payers_seen_on_coverages.payer_type,
        payers_seen_on_coverages.is_medicaid,
        cast(null as {{ dbt.type_string() }}) as x12_payer_id,
        'coverages' as payer_listed_in
    from payers_seen_on_coverages
    left join payers
        on payers_seen_on_coverages.payer_id = payers.payer_id
    where
        payers_seen_on_coverages.coverage_rank = 1
        and payers.payer_id is null

),

all_payers as (

    select
        payer_id,
        payer_name,
        payer_type,
        is_medicaid,
        x12_payer_id,
        'contracts' as payer_listed_in
    from payers

    union all

    select * from payers_missing_from_extract

),

final as (

    select
        all_payers.payer_id,
        all_payers.payer_name,
        coalesce(all_payers.payer_type, payer_rules.payer_type) as payer_type,
        coalesce(all_payers.is_medicaid, payer_rules.is_medicaid, payer_type_defaults.is_medicaid) as is_medicaid,
        all_payers.x12_payer_id,
        all_payers.payer_listed_in,
        coalesce(payer_rules.reauth_lead_days, payer_type_defaults.reauth_lead_days) as reauth_lead_days,
        coalesce(payer_rules.timely_filing_days, payer_type_defaults.timely_filing_days) as timely_filing_days,
        coalesce(
            payer_rules.discipline_modifier_required, payer_type_defaults.discipline_modifier_required
        ) as discipline_modifier_required,
        coalesce(payer_rules.unit_method, payer_type_defaults.unit_method) as unit_method,
        coalesce(payer_rules.requires_authorization, payer_type_defaults.requires_authorization)
            as requires_authorization,
        coalesce(payer_rules.enrollment_release_window_days, payer_type_defaults.enrollment_release_window_days)
            as enrollment_release_window_days,
        case
            when payer_rules.payer_id is not null then 'payer_rules'
            when payer_type_defaults.payer_type is not null then 'payer_type_defaults'
            else 'unresolved'
        end as rule_source,
        coalesce(payer_rules.source_note, payer_type_defaults.source_note) as rule_source_note
    from all_payers
    left join payer_rules
        on all_payers.payer_id = payer_rules.payer_id
    left join payer_type_defaults
        on coalesce(all_payers.payer_type, payer_rules.payer_type) = payer_type_defaults.payer_type

)

select * from final
