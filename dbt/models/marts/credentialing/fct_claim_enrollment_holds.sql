-- Hold and release of claims for a newly enrolled therapist: one row per kept visit not yet remitted whose
-- therapist's enrollment with the payer at the location is approved or pending:
-- - hold: the enrollment has no effective date yet, or the date of service is before the effective date. A
--   date of service before the effective date stays held even after that date has come: the payer does not
--   pay it unless it grants a retroactive effective date (which moves the effective date and ends the hold).
-- - release: the enrollment took effect on or before the date of service within the payer's release window
--   (int_payer_rules_resolved.enrollment_release_window_days, a seed; the effective date itself may be exactly
--   that many days ago) and the claim was never sent: it was held while the enrollment was pending and can go
--   now. The hold notice reads the same window from this mart.
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

submitted as (

    select distinct claim_id from {{ ref('stg_clearinghouse__claim_headers') }}

),

enrollments as (

    select * from {{ ref('fct_provider_payer_enrollments') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

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
        coverages.payer_id,
        submitted.claim_id is not null as is_submitted
    from visits
    inner join coverages
        on visits.coverage_id = coverages.coverage_id
    left join remits
        on visits.claim_id = remits.claim_id
    left join submitted
        on visits.claim_id = submitted.claim_id
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
            when
                enrollments.effective_date is null
                or unremitted.date_of_service < enrollments.effective_date
                then 'hold'
            else 'release'
        end as hold_status,
        enrollments.effective_date as release_date,
        unremitted.date_of_service < enrollments.effective_date as is_before_effective_date,
        payer_rules.enrollment_release_window_days,
        cast(coalesce(amounts.contracted_amount, 0) as decimal(12, 2)) as contracted_amount,
        {{ as_of_date() }} as as_of_date
    from unremitted
    inner join enrollments
        on
            unremitted.provider_id = enrollments.provider_id
            and unremitted.location_id = enrollments.location_id
            and unremitted.payer_id = enrollments.payer_id
    left join payer_rules
        on unremitted.payer_id = payer_rules.payer_id
    left join amounts
        on unremitted.visit_id = amounts.visit_id
    where
        enrollments.enrollment_status in ('enrolled', 'pending')
        and (
            enrollments.effective_date is null
            or unremitted.date_of_service < enrollments.effective_date
            or (
                not unremitted.is_submitted
                and enrollments.effective_date <= {{ as_of_date() }}
                and enrollments.effective_date
                >= {{ date_add_days('-payer_rules.enrollment_release_window_days', as_of_date()) }}
            )
        )

)

select * from final
