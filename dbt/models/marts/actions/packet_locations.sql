-- One row per location: the letterhead every drafted letter, fax and message signs with, and the time zone
-- every date and time in a draft is written in.
with

locations as (

    select * from {{ ref('dim_locations') }}

),

final as (

    select
        location_id,
        location_name,
        address_line,
        city,
        state,
        zip,
        facility_npi,
        time_zone
    from locations

)

select * from final
