{%- set rule_name = 'provider_record_fix' -%}
{%- set rule_version = '1' -%}
-- Provider records to fix before claims go out, one row per provider and issue: an NPI that fails the
-- check digit, and a COTA with visits in the supervision window and no supervising OTR on record. Both are due
-- the day they are found: no due date here, the action ledger dates each with the day a run first drafts it.
with

identity as (

    select * from {{ ref('fct_provider_identity') }}

),

supervision as (

    select * from {{ ref('fct_assistant_visit_supervision') }}

),

invalid_npis as (

    select
        provider_id,
        location_id,
        'invalid_npi' as issue,
        'NPI ' || npi || ' fails the check digit' as flag_reasons,
        0 as affected_visit_count,
        cast(null as date) as first_affected_date
    from identity
    where not is_npi_valid and (termination_date is null or termination_date > {{ as_of_date() }})

),

unsupervised as (

    select
        provider_id,
        min(location_id) as location_id,
        'cota_without_supervising_otr' as issue,
        'COTA without a supervising OTR on record: ' || cast(count(*) as {{ dbt.type_string() }})
        || ' visits in the supervision window' as flag_reasons,
        count(*) as affected_visit_count,
        min(appointment_date) as first_affected_date
    from supervision
    where not has_supervising_otr
    group by provider_id

),

issues as (

    select * from invalid_npis
    union all
    select * from unsupervised

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'issues.provider_id', "':'", 'issues.issue'
        ])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        issues.provider_id,
        identity.provider_name,
        identity.provider_discipline,
        identity.npi,
        identity.taxonomy_code,
        identity.supervising_provider_id,
        issues.location_id,
        issues.issue,
        issues.flag_reasons,
        issues.affected_visit_count,
        issues.first_affected_date
    from issues
    inner join identity
        on issues.provider_id = identity.provider_id

)

select * from final
