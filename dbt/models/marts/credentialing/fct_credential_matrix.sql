-- The provider x credential half of the credential matrix: every credential a provider must hold (seed
-- required_to_hold) or holds anyway (DEA), with days to expiry and the reminder tier at the as-of date.
with

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

credentials as (

    select * from {{ ref('int_credentials_current') }}

),

cycles as (

    select * from {{ ref('credential_cycles') }}
    where issuing_state = '*'

),

tiers as (

    select * from {{ ref('credential_reminder_tiers') }}

),

active_providers as (

    select * from providers
    where termination_date is null or termination_date > {{ as_of_date() }}

),

required_slots as (

    select
        active_providers.provider_id,
        cycles.credential_type
    from active_providers
    cross join cycles
    where cycles.required_to_hold

),

held_slots as (

    select
        credentials.provider_id,
        credentials.credential_type
    from credentials
    inner join active_providers
        on credentials.provider_id = active_providers.provider_id

),

slots as (

    select
        provider_id,
        credential_type
    from required_slots
    union
    select
        provider_id,
        credential_type
    from held_slots

),

joined as (

    select
        slots.provider_id,
        slots.credential_type,
        credentials.credential_id,
        credentials.credential_number,
        credentials.issuing_state,
        credentials.issued_date,
        credentials.expiration_date,
        credentials.cycle_due_date,
        credentials.rule_expiry_date,
        credentials.status as credential_status,
        credentials.ce_hours,
        coalesce(credentials.required_for_billing, cycles.required_for_billing, false) as required_for_billing,
        coalesce(cycles.required_to_hold, false) as required_to_hold,
        coalesce(credentials.renewal_link, cycles.renewal_link) as renewal_link,
        coalesce(credentials.renewal_form, cycles.renewal_form) as renewal_form,
        {{ dbt.datediff(as_of_date(), 'credentials.rule_expiry_date', 'day') }} as days_to_expiry  -- noqa: LT05
    from slots
    left join credentials
        on
            slots.provider_id = credentials.provider_id
            and slots.credential_type = credentials.credential_type
    left join cycles
        on slots.credential_type = cycles.credential_type

),

tiered as (

    select
        joined.provider_id,
        joined.credential_type,
        min(tiers.max_days_to_expiry) as tier_max_days
    from joined
    inner join tiers
        on joined.days_to_expiry >= 0 and joined.days_to_expiry <= tiers.max_days_to_expiry
    group by joined.provider_id, joined.credential_type

),

final as (

    select
        joined.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        providers.credential_type as provider_discipline,
        providers.primary_location_id as location_id,
        joined.credential_type,
        joined.credential_id,
        joined.credential_number,
        joined.issuing_state,
        joined.issued_date,
        joined.expiration_date,
        joined.cycle_due_date,
        joined.rule_expiry_date,
        joined.credential_status,
        joined.days_to_expiry,
        case
            when joined.credential_id is null or joined.credential_status = 'pending' then 'missing'
            when joined.credential_status in ('expired', 'revoked') or joined.days_to_expiry < 0 then 'expired'
            when tiers.reminder_tier is not null then tiers.reminder_tier
            else 'current'
        end as reminder_tier,
        joined.required_for_billing,
        joined.required_to_hold,
        joined.ce_hours,
        joined.renewal_link,
        joined.renewal_form,
        {{ as_of_date() }} as as_of_date
    from joined
    inner join providers
        on joined.provider_id = providers.provider_id
    left join tiered
        on
            joined.provider_id = tiered.provider_id
            and joined.credential_type = tiered.credential_type
    left join tiers
        on tiered.tier_max_days = tiers.max_days_to_expiry

)

select * from final
