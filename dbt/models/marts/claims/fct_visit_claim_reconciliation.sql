-- Visits reconciled against claims and posted payments beyond claim-line matching: one row per EHR visit,
-- plus one per submitted claim with no visit in the EHR extract, with a status. Exceptions: a visit billed
-- in the EHR with no claim submitted, a claim with no visit, and a claim or payment on a visit whose
-- appointment was cancelled or no-showed after billing (voided).
{% set exception_statuses = [
    'billed_no_claim', 'claim_without_visit', 'claim_on_voided_visit', 'payment_on_voided_visit',
] %}
with

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

positions as (

    select * from {{ ref('fct_remit_line_positions') }}

),

visit_charges as (

    select
        visit_id,
        count(*) as charge_line_count,
        sum(charge_amount) as charge_amount
    from charge_lines
    group by visit_id

),

claims as (

    select
        claim_id,
        min(location_id) as location_id,
        min(service_date) as service_date,
        count(*) as claim_line_count,
        sum(charge_amount) as claim_charge_amount
    from submitted_lines
    group by claim_id

),

payments as (

    select
        claim_id,
        count(*) as answered_line_count,
        sum(case when is_denied then 1 else 0 end) as denied_line_count,
        sum(net_paid_amount) as net_paid_amount,
        max(latest_payment_date) as latest_payment_date
    from positions
    where claim_id is not null
    group by claim_id

),

visit_rows as (

    select
        visits.visit_id,
        visits.claim_id,
        visits.location_id,
        visits.patient_id,
        visits.date_of_service as service_date,
        appointments.status as appointment_status,
        coalesce(appointments.status in ('cancelled', 'late_cancelled', 'no_show'), false) as is_visit_voided,
        coalesce(visit_charges.charge_line_count, 0) as charge_line_count,
        visit_charges.charge_amount
    from visits
    left join appointments
        on visits.appointment_id = appointments.appointment_id
    left join visit_charges
        on visits.visit_id = visit_charges.visit_id

),

joined as (

    select
        visit_rows.visit_id,
        coalesce(visit_rows.claim_id, claims.claim_id) as claim_id,
        coalesce(visit_rows.location_id, claims.location_id) as location_id,
        visit_rows.patient_id,
        coalesce(visit_rows.service_date, claims.service_date) as service_date,
        visit_rows.appointment_status,
        visit_rows.visit_id is null as is_visit_missing,
        coalesce(visit_rows.is_visit_voided, false) as is_visit_voided,
        coalesce(visit_rows.charge_line_count, 0) as charge_line_count,
        visit_rows.charge_amount,
        claims.claim_id is not null as is_claim_submitted,
        coalesce(claims.claim_line_count, 0) as claim_line_count,
        claims.claim_charge_amount,
        coalesce(payments.answered_line_count, 0) as answered_line_count,
        coalesce(payments.denied_line_count, 0) as denied_line_count,
        coalesce(payments.net_paid_amount, 0) as net_paid_amount,
        payments.latest_payment_date
    from visit_rows
    full outer join claims
        on visit_rows.claim_id = claims.claim_id
    left join payments
        on coalesce(visit_rows.claim_id, claims.claim_id) = payments.claim_id

),

statused as (

    select
        joined.*,
        case
            when (is_visit_missing or is_visit_voided) and net_paid_amount <> 0 then 'payment_on_voided_visit'
            when is_visit_missing then 'claim_without_visit'
            when is_visit_voided and is_claim_submitted then 'claim_on_voided_visit'
            when not is_claim_submitted and charge_line_count > 0 then 'billed_no_claim'
            when not is_claim_submitted then 'not_billed'
            when answered_line_count = 0 then 'awaiting_payment'
            when denied_line_count = answered_line_count then 'denied'
            when net_paid_amount > 0 then 'paid'
            else 'answered_zero_paid'
        end as reconciliation_status
    from joined

),

final as (

    select
        {{ dbt.hash(dbt.concat(["coalesce(visit_id, '')", "':'", "coalesce(claim_id, '')"])) }} as reconciliation_id,
        {{ as_of_date() }} as as_of_date,
        visit_id,
        claim_id,
        location_id,
        patient_id,
        service_date,
        appointment_status,
        reconciliation_status,
        reconciliation_status in (
            '{{ exception_statuses | join("', '") }}'  -- noqa: LT05
        ) as is_exception,
        charge_line_count,
        cast(charge_amount as decimal(12, 2)) as charge_amount,
        claim_line_count,
        cast(claim_charge_amount as decimal(12, 2)) as claim_charge_amount,
        answered_line_count,
        denied_line_count,
        cast(net_paid_amount as decimal(12, 2)) as net_paid_amount,
        latest_payment_date
    from statused

)

select * from final
