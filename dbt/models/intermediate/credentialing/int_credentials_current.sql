-- The credential each provider holds per type, with its renewal cycle from the seed (state row first,
-- then '*'), and the rule expiry: the expiration date on file wins; the computed one (issued date + cycle,
-- at the end of that month for credentials that expire that way) applies only when the file has none.
with

credentials as (

    select * from {{ ref('stg_credentialing__credentials') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

cycles as (

    select * from {{ ref('credential_cycles') }}

),

-- A credential without an issuing state (CAQH, insurance) follows the state the provider practises in.
with_rule_state as (

    select
        credentials.*,
        coalesce(credentials.issuing_state, locations.state) as rule_state
    from credentials
    left join providers
        on credentials.provider_id = providers.provider_id
    left join locations
        on providers.primary_location_id = locations.location_id

),

with_cycle as (

    select
        with_rule_state.*,
        case
            when state_cycle.credential_type is not null then state_cycle.cycle_months else default_cycle.cycle_months
        end as cycle_months,
        case
            when state_cycle.credential_type is not null then state_cycle.cycle_days else default_cycle.cycle_days
        end as cycle_days,
        case when state_cycle.credential_type is not null then state_cycle.ce_hours else default_cycle.ce_hours end
            as ce_hours,
        coalesce(
            case
                when state_cycle.credential_type is not null then state_cycle.expires_at_month_end else
                    default_cycle.expires_at_month_end
            end,
            false
        ) as expires_at_month_end,
        coalesce(state_cycle.required_for_billing, default_cycle.required_for_billing, false) as required_for_billing,
        coalesce(state_cycle.required_to_hold, default_cycle.required_to_hold, false) as required_to_hold,
        case
            when state_cycle.credential_type is not null then state_cycle.renewal_link else default_cycle.renewal_link
        end as renewal_link,
        case
            when state_cycle.credential_type is not null then state_cycle.renewal_form else default_cycle.renewal_form
        end as renewal_form
    from with_rule_state
    left join cycles as state_cycle
        on
            with_rule_state.credential_type = state_cycle.credential_type
            and with_rule_state.rule_state = state_cycle.issuing_state
    left join cycles as default_cycle
        on
            with_rule_state.credential_type = default_cycle.credential_type
            and default_cycle.issuing_state = '*'

),

cycle_dates as (

    select
        with_cycle.*,
        case
            when cycle_months is not null then cast({{ dbt.dateadd('month', 'cycle_months', 'issued_date') }} as date)
            when cycle_days is not null then {{ date_add_days('cycle_days', 'issued_date') }}
        end as cycle_date
    from with_cycle

),

with_due as (

    select
        cycle_dates.*,
        case
            when
                expires_at_month_end and cycle_date is not null
                then cast({{ dbt.last_day('cycle_date', 'month') }} as date)
            else cycle_date
        end as cycle_due_date
    from cycle_dates

),

ranked as (

    select
        with_due.*,
        coalesce(expiration_date, cycle_due_date) as rule_expiry_date,
        case when expiration_date is not null then 'on_file' else 'computed' end as expiry_source,
        row_number() over (
            partition by provider_id, credential_type
            order by
                case when status = 'active' then 0 when status = 'pending' then 1 else 2 end,
                expiration_date desc,
                credential_id desc
        ) as credential_rank
    from with_due

),

final as (

    select
        credential_id,
        provider_id,
        credential_type,
        credential_number,
        issuing_state,
        rule_state,
        issued_date,
        expiration_date,
        cycle_months,
        cycle_days,
        cycle_due_date,
        rule_expiry_date,
        expiry_source,
        status,
        -- Only an active credential counts; an expired/revoked/pending one is held as lapsed.
        case when status = 'active' then rule_expiry_date end as valid_through_date,
        ce_hours,
        required_for_billing,
        required_to_hold,
        renewal_link,
        renewal_form
    from ranked
    where credential_rank = 1

)

select * from final
