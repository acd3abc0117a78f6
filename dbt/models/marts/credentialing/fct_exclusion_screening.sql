-- Monthly exclusion screening: every current provider checked against the latest OIG exclusion list
-- (LEIE). A match on NPI is an exclusion; a match on first and last name is one to confirm on the date of
-- birth (the provider extract carries none), and a match on name and an NPI that differs is listed as
-- such. An entry the OIG has reinstated or waived by the as-of date does not count. Every match is urgent:
-- an excluded person's services cannot be paid by federal health programs.
with

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

exclusions as (

    select * from {{ ref('stg_credentialing__oig_leie') }}
    where
        exclusion_date <= {{ as_of_date() }}
        and (reinstatement_date is null or reinstatement_date > {{ as_of_date() }})
        and (waiver_date is null or waiver_date > {{ as_of_date() }})

),

current_providers as (

    select * from providers
    where termination_date is null or termination_date > {{ as_of_date() }}

),

matches as (

    select
        current_providers.provider_id,
        current_providers.primary_location_id as location_id,
        current_providers.first_name || ' ' || current_providers.last_name as provider_name,
        exclusions.exclusion_type,
        exclusions.exclusion_date,
        exclusions.source_file_name,
        exclusions.source_line_number,
        case
            when exclusions.npi = current_providers.npi then 'npi'
            when exclusions.npi is not null then 'name_npi_differs'
            else 'name'
        end as match_basis
    from current_providers
    inner join exclusions
        on
            current_providers.npi = exclusions.npi
            or (
                exclusions.last_name = upper(trim(current_providers.last_name))
                and exclusions.first_name = upper(trim(current_providers.first_name))
            )

),

final as (

    select
        provider_id,
        location_id,
        provider_name,
        match_basis,
        case match_basis
            when 'npi' then 'The provider''s NPI is on the OIG exclusion list'
            when
                'name'
                then 'The provider''s name is on the OIG exclusion list: confirm the date of birth on the list entry'
            else 'The provider''s name is on the OIG exclusion list with another NPI: confirm the date of birth'
        end as match_reason,
        exclusion_type,
        exclusion_date,
        source_file_name,
        source_line_number,
        'urgent' as urgency,
        {{ as_of_date() }} as as_of_date
    from matches

)

select * from final
