with

locations as (

    select * from {{ ref('stg_ehr__locations') }}

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
        service_lines,
        time_zone
    from locations

)

select * from final
