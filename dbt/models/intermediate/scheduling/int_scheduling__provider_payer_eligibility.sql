-- When each therapist may see each payer's patients at a location: an `enrolled` payer enrollment
-- (effective_date through termination_date) intersected with an active state license (issued_date through
-- expiration_date). One row per enrollment x license overlap; a date is eligible when it falls in a row.
with

enrollments as (

    select * from {{ ref('stg_credentialing__payer_enrollments') }}

),

credentials as (

    select * from {{ ref('stg_credentialing__credentials') }}

),

licenses as (

    select * from credentials
    where credential_type = 'state_license' and status = 'active'

),

final as (

    select
        enrollments.provider_id,
        enrollments.payer_id,
        enrollments.location_id,
        enrollments.enrollment_id,
        licenses.credential_id as license_credential_id,
        case
            when enrollments.effective_date > licenses.issued_date then enrollments.effective_date
            else licenses.issued_date
        end as eligible_from,
        case
            when enrollments.termination_date is null then licenses.expiration_date
            when enrollments.termination_date < licenses.expiration_date then enrollments.termination_date
            else licenses.expiration_date
        end as eligible_through
    from enrollments
    inner join licenses
        on enrollments.provider_id = licenses.provider_id
    where
        enrollments.status = 'enrolled'
        and enrollments.effective_date is not null

)

select * from final
where eligible_from <= eligible_through
