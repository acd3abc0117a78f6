-- Monthly exclusion screening: every current provider checked against the latest OIG exclusion list (LEIE)
-- and the latest SAM.gov exclusions extract. A match on NPI is an exclusion; so is a match on first and
-- last name with the same date of birth (the OIG lists it; the provider extract may carry it). A name match
-- where a date of birth is missing on either side (SAM never has one) is listed to confirm; a name match
-- whose dates of birth differ is another person and is not listed. An entry reinstated, waived or
-- terminated by the as-of date does not count. Every match is urgent: an excluded person's services cannot
-- be paid by federal health programs.
with

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

oig as (

    select * from {{ ref('stg_credentialing__oig_leie') }}

),

sam as (

    select * from {{ ref('stg_credentialing__sam_exclusions') }}

),

-- Both lists in one shape; only entries in force on the as-of date, and only people from SAM.
exclusions as (

    select
        'oig_leie' as exclusion_list,
        last_name,
        first_name,
        npi,
        date_of_birth,
        exclusion_type,
        exclusion_date,
        source_file_name,
        source_line_number
    from oig
    where
        exclusion_date <= {{ as_of_date() }}
        and (reinstatement_date is null or reinstatement_date > {{ as_of_date() }})
        and (waiver_date is null or waiver_date > {{ as_of_date() }})

    union all

    select
        'sam' as exclusion_list,
        last_name,
        first_name,
        npi,
        cast(null as date) as date_of_birth,
        exclusion_type,
        active_date as exclusion_date,
        source_file_name,
        source_line_number
    from sam
    where
        classification = 'Individual'
        and active_date <= {{ as_of_date() }}
        and (termination_date is null or termination_date > {{ as_of_date() }})

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
        exclusions.exclusion_list,
        exclusions.exclusion_type,
        exclusions.exclusion_date,
        exclusions.source_file_name,
        exclusions.source_line_number,
        case
            when exclusions.npi = current_providers.npi then 'npi'
            when exclusions.date_of_birth = current_providers.date_of_birth then 'name_and_dob'
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
                -- dates of birth on both sides that differ: another person with the same name
                and (
                    exclusions.date_of_birth is null
                    or current_providers.date_of_birth is null
                    or current_providers.date_of_birth = exclusions.date_of_birth
                )
            )

),

final as (

    select
        provider_id,
        location_id,
        provider_name,
        exclusion_list,
        match_basis,
        case exclusion_list when 'oig_leie' then 'the OIG exclusion list (LEIE)' else 'the SAM.gov exclusion list' end
        || case match_basis
            when 'npi' then ' lists the provider''s NPI'
            when 'name_and_dob' then ' lists the provider''s name and date of birth'
            when 'name_npi_differs' then ' lists the provider''s name with another NPI: confirm the date of birth'
            else ' lists the provider''s name: confirm it is the same person (date of birth, address)'
        end as match_reason,
        match_basis in ('npi', 'name_and_dob') as is_confirmed_match,
        exclusion_type,
        exclusion_date,
        source_file_name,
        source_line_number,
        'urgent' as urgency,
        {{ as_of_date() }} as as_of_date
    from matches

)

select * from final
