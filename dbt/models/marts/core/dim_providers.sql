with

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

credentials as (

    select * from {{ ref('stg_credentialing__credentials') }}

),

-- The state license a packet quotes: the active one that expires last, else the latest of any status.
state_licenses as (

    select
        provider_id,
        credential_number,
        issuing_state,
        expiration_date,
        row_number() over (
            partition by provider_id
            order by
                case when status = 'active' then 0 else 1 end,
                expiration_date desc,
                credential_id desc
        ) as license_rank
    from credentials
    where credential_type = 'state_license'

),

final as (

    select
        providers.provider_id,
        providers.npi,
        providers.first_name,
        providers.last_name,
        providers.first_name || ' ' || providers.last_name as provider_name,
        providers.credential_type,
        providers.supervising_provider_id,
        providers.primary_location_id,
        locations.location_name as primary_location_name,
        providers.taxonomy_code,
        providers.hire_date,
        providers.termination_date,
        state_licenses.credential_number as state_license_number,
        state_licenses.issuing_state as state_license_state,
        state_licenses.expiration_date as state_license_expiration_date
    from providers
    left join locations
        on providers.primary_location_id = locations.location_id
    left join state_licenses
        on
            providers.provider_id = state_licenses.provider_id
            and state_licenses.license_rank = 1

)

select * from final
