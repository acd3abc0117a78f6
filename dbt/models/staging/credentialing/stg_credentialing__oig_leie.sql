-- The OIG exclusion list (LEIE) of the latest delivered file only: each download is the whole list, so a
-- person the OIG has reinstated since is not carried over from an older file. Rename/cast only: the
-- OIG's YYYYMMDD dates become dates, its 00000000 / 0000000000 placeholders become null.
with

latest_file as (

    select _file_name
    from {{ source('raw_credentialing', 'oig_leie') }}
    order by _loaded_at desc, _file_name desc
    limit 1

),

rows_of_latest as (

    select leie.*
    from {{ source('raw_credentialing', 'oig_leie') }} as leie
    inner join latest_file
        on leie._file_name = latest_file._file_name

),

final as (

    select
        nullif(trim(upper(lastname)), '') as last_name,
        nullif(trim(upper(firstname)), '') as first_name,
        nullif(trim(upper(midname)), '') as middle_name,
        nullif(trim(busname), '') as business_name,
        general as general_category,
        specialty,
        nullif(npi, '0000000000') as npi,
        case when dob is not null and dob <> '00000000' then {{ date_from_text('dob', 'YYYYMMDD') }} end
            as date_of_birth,
        state,
        excltype as exclusion_type,
        {{ date_from_text('excldate', 'YYYYMMDD') }} as exclusion_date,
        case
            when reindate is not null and reindate <> '00000000' then {{ date_from_text('reindate', 'YYYYMMDD') }}
        end
            as reinstatement_date,
        case
            when waiverdate is not null and waiverdate <> '00000000' then {{ date_from_text('waiverdate', 'YYYYMMDD') }}
        end
            as waiver_date,
        _file_name as source_file_name,
        _line_number as source_line_number,
        _loaded_at as loaded_at
    from rows_of_latest

)

select * from final
