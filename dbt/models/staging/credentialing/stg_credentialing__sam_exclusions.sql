-- The SAM.gov exclusions extract of the latest delivered file only: each download is the whole list, so a
-- record SAM has since removed is not carried over from an older file. Rename/cast only: SAM's MM/DD/YYYY
-- dates become dates, "Indefinite" becomes a null termination date, names are upper-cased and trimmed.
with

latest_file as (

    select _file_name
    from {{ source('raw_credentialing', 'sam_exclusions') }}
    order by _loaded_at desc, _file_name desc
    limit 1

),

rows_of_latest as (

    select sam.*
    from {{ source('raw_credentialing', 'sam_exclusions') }} as sam
    inner join latest_file
        on sam._file_name = latest_file._file_name

),

final as (

    select
        sam_number,
        classification,
        nullif(trim(upper(last)), '') as last_name,
        nullif(trim(upper(first)), '') as first_name,
        nullif(trim(upper(middle)), '') as middle_name,
        nullif(trim(name), '') as entity_name,
        npi,
        state_province as state,
        exclusion_program,
        excluding_agency,
        exclusion_type,
        {{ date_from_text('active_date', 'MM/DD/YYYY') }} as active_date,
        case
            when termination_date is not null and termination_date <> 'Indefinite'
                then {{ date_from_text('termination_date', 'MM/DD/YYYY') }}
        end as termination_date,
        _file_name as source_file_name,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from rows_of_latest

)

select * from final
