-- One row per provider: NPI check digit (Luhn with the 80840 prefix, macro npi_is_valid), taxonomy and
-- the supervising OTR on record for an assistant.
with

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

final as (

    select
        providers.provider_id,
        providers.first_name || ' ' || providers.last_name as provider_name,
        providers.credential_type as provider_discipline,
        providers.primary_location_id as location_id,
        providers.npi,
        {{ npi_is_valid('providers.npi') }} as is_npi_valid,
        providers.taxonomy_code,
        providers.taxonomy_code like '225X%' as is_ot_taxonomy,
        providers.supervising_provider_id,
        supervisors.credential_type as supervisor_discipline,
        supervisors.termination_date as supervisor_termination_date,
        providers.hire_date,
        providers.termination_date,
        {{ as_of_date() }} as as_of_date
    from providers
    left join providers as supervisors
        on providers.supervising_provider_id = supervisors.provider_id

)

select * from final
