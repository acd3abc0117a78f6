{%- set rule_name = 'credential_renewal' -%}
{%- set rule_version = '1' -%}
-- Credentials at a reminder tier (90 / 30 / 7 days, expired) or missing, one row per provider and
-- credential type. The tier and the rule expiry are part of the key, so each tier drafts its own reminder
-- and a renewed credential starts a fresh cycle.
with

matrix as (

    select * from {{ ref('fct_credential_matrix') }}

),

flagged as (

    select * from matrix
    where reminder_tier <> 'current'

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'provider_id', "':'", 'credential_type',
            "':'", 'reminder_tier', "':'", "coalesce(cast(rule_expiry_date as " ~ dbt.type_string() ~ "), 'none')"
        ])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        as_of_date,
        provider_id,
        provider_name,
        provider_discipline,
        location_id,
        credential_type,
        credential_id,
        credential_number,
        issuing_state,
        issued_date,
        expiration_date,
        rule_expiry_date,
        credential_status,
        days_to_expiry,
        reminder_tier,
        required_for_billing,
        ce_hours,
        renewal_link,
        renewal_form,
        -- Renew before the expiry (an expired credential is overdue since it lapsed). A missing one is due the day it
        -- is found: no date here, the action ledger dates it with the day a run first drafts it.
        case when reminder_tier <> 'missing' then rule_expiry_date end as due_date
    from flagged

)

select * from final
