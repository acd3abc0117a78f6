{%- set rule_name = 'exclusion_match' -%}
{%- set rule_version = '1' -%}
{#- Each match as "<list>:<line of the downloaded file>", e.g. oig_leie:1042 -#}
{%- set matched_entry = "exclusion_list || ':' || cast(source_line_number as " ~ dbt.type_string() ~ ")" -%}
-- Staff found on the OIG exclusion list (LEIE) or the SAM.gov exclusions (fct_exclusion_screening): an
-- urgent task for the compliance lead, due the day it is found (no due date here: the action ledger dates it
-- with the day a run first drafts it and keeps that date while it waits). All of a provider's matching entries are
-- one task (both lists, several entries), so one person is verified once. flag_id is stable per (rule,
-- version, provider, matched entries): a new entry drafts a new task, a match that clears auto-resolves.
with

screening as (

    select * from {{ ref('fct_exclusion_screening') }}

),

per_provider as (

    select
        provider_id,
        max(location_id) as location_id,
        max(provider_name) as provider_name,
        {{ dbt.listagg(matched_entry, "'|'", "order by exclusion_list, source_line_number") }} as matched_entries,
        {{ dbt.listagg('match_reason', "'; '", "order by exclusion_list, source_line_number") }} as flag_reasons,
        {{ dbt.listagg('distinct exclusion_list', "'|'") }} as exclusion_lists,
        min(exclusion_date) as first_exclusion_date,
        max(case when is_confirmed_match then 1 else 0 end) = 1 as is_confirmed_match,
        count(*) as matched_entry_count,
        max(as_of_date) as as_of_date
    from screening
    group by provider_id

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'provider_id', "':'", 'matched_entries'])) }}  -- noqa: LT05
            as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        as_of_date,
        provider_id,
        location_id,
        provider_name,
        exclusion_lists,
        matched_entries,
        matched_entry_count,
        flag_reasons,
        first_exclusion_date,
        is_confirmed_match,
        'urgent' as urgency
    from per_provider

)

select * from final
