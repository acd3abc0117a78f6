-- Per provider: the last day every credential that billing needs is valid (null when one is missing or
-- not active), and which credential lapses first. "Valid on a date" = the date <= billing_valid_through_date.
with

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

cycles as (

    select distinct credential_type from {{ ref('credential_cycles') }}
    where required_for_billing

),

credentials as (

    select * from {{ ref('int_credentials_current') }}

),

needed as (

    select
        providers.provider_id,
        cycles.credential_type,
        credentials.valid_through_date
    from providers
    cross join cycles
    left join credentials
        on
            providers.provider_id = credentials.provider_id
            and cycles.credential_type = credentials.credential_type

),

ranked as (

    select
        needed.*,
        row_number() over (
            partition by provider_id
            order by case when valid_through_date is null then 0 else 1 end, valid_through_date, credential_type
        ) as lapse_rank
    from needed

),

final as (

    select
        provider_id,
        max(case when lapse_rank = 1 then valid_through_date end) as billing_valid_through_date,
        max(case when lapse_rank = 1 then credential_type end) as first_lapsing_credential_type,
        sum(case when valid_through_date is null then 1 else 0 end) as missing_billing_credential_count
    from ranked
    group by provider_id

)

select * from final
