-- Who can bill what, when: every scheduled visit in the booking look-ahead, and whether its therapist
-- will hold an enrollment in effect with the child's payer at the location and every credential billing
-- needs on the visit date. blocking_reason names the first thing that fails.
with

visits as (

    select * from {{ ref('int_scheduled_visits_with_payer') }}

),

enrollments as (

    select * from {{ ref('fct_provider_payer_enrollments') }}

),

validity as (

    select * from {{ ref('int_provider_billing_validity') }}

),

joined as (

    select
        visits.*,
        enrollments.enrollment_id,
        enrollments.enrollment_status,
        enrollments.effective_date as enrollment_effective_date,
        enrollments.termination_date as enrollment_termination_date,
        validity.billing_valid_through_date,
        validity.first_lapsing_credential_type
    from visits
    left join enrollments
        on
            visits.provider_id = enrollments.provider_id
            and visits.location_id = enrollments.location_id
            and visits.payer_id = enrollments.payer_id
    left join validity
        on visits.provider_id = validity.provider_id

),

final as (

    select
        joined.*,
        case
            when payer_id is null then 'no_primary_coverage'
            when enrollment_id is null then 'no_enrollment'
            when enrollment_status <> 'enrolled' then 'enrollment_' || enrollment_status
            when
                enrollment_effective_date is null or enrollment_effective_date > appointment_date
                then 'enrollment_not_effective'
            when
                enrollment_termination_date is not null and enrollment_termination_date <= appointment_date
                then 'enrollment_terminated'
            when
                billing_valid_through_date is null or billing_valid_through_date < appointment_date
                then 'credential_lapsed'
        end as blocking_reason
    from joined

)

select
    final.*,
    blocking_reason is null as can_bill_on_visit_date,
    cast(case when blocking_reason is not null then coalesce(contracted_visit_rate, 0) else 0 end as decimal(12, 2))
        as dollars_at_risk,
    {{ as_of_date() }} as as_of_date
from final
