-- Hold and release of claims for a newly enrolled therapist: one row per kept visit not yet remitted
-- whose therapist's enrollment with the payer at the location is approved or pending but not in effect
-- at the as-of date (hold until the effective date), or took effect on or before the as-of date after the
-- date of service (release: the effective date has come). Whether a payer pays dates of service before
-- the effective date is the payer's retro policy: the release notice says so.
with

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

remits as (

    select distinct claim_id from {{ ref('stg_clearinghouse__remit_claims') }}

),

enrollments as (

    select * from {{ ref('fct_provider_payer_enrollments') }}

),

amounts as (

    select * from {{ ref('int_visit_contracted_amounts') }}

),

unremitted as (

    select
        visits.visit_id,
        visits.claim_id,
        visits.provider_id,
        visits.location_id,
        visits.patient_id,
        visits.date_of_service,
        coverages.payer_id
    from visits
    inner join coverages
        on visits.coverage_id = coverages.coverage_id
    left join remits
        on visits.claim_id = remits.claim_id
    where
        remits.claim_id is null
        and visits.date_of_service <= {{ as_of_date() }}

),

final as (

    select
        unremitted.*,
        enrollments.enrollment_id,
        enrollments.enrollment_status,
        enrollments.effective_date as enrollment_effective_date,
        case
            when enrollments.effective_date is null or enrollments.effective_date > {{ as_of_date() }} then 'hold'
            else 'release'
        end as hold_status,
        enrollments.effective_date as release_date,
        unremitted.date_of_service < enrollments.effective_date as is_before_effective_date,
        cast(coalesce(amounts.contracted_amount, 0) as decimal(12, 2)) as contracted_amount,
        {{ as_of_date() }} as as_of_date
    from unremitted
    inner join enrollments
        on
            unremitted.provider_id = enrollments.provider_id
            and unremitted.location_id = enrollments.location_id
            and unremitted.payer_id = enrollments.payer_id
    left join amounts
        on unremitted.visit_id = amounts.visit_id
    where
        enrollments.enrollment_status in ('enrolled', 'pending')
        and (
            enrollments.effective_date is null
            or enrollments.effective_date > {{ as_of_date() }}
            or unremitted.date_of_service < enrollments.effective_date
        )

)

select * from final
