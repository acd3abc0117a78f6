-- Dollars at risk and flag counts per location and leak area at the as-of date. Every location
-- appears, with zeros when nothing leaks there. New leak areas add a union branch here.
with

locations as (

    select * from {{ ref('dim_locations') }}

),

authorization_burndown as (

    select * from {{ ref('fct_authorization_burndown') }}

),

authorization_totals as (

    select
        location_id,
        count(*) as active_count,
        sum(case when is_flagged then 1 else 0 end) as flagged_count,
        sum(case when is_flagged then dollars_at_risk else 0 end) as dollars_at_risk
    from authorization_burndown
    group by location_id

),

authorization_area as (

    select
        locations.location_id,
        locations.location_name,
        'authorizations' as leak_area,
        coalesce(authorization_totals.flagged_count, 0) as flagged_count,
        coalesce(authorization_totals.active_count, 0) as active_count,
        cast(coalesce(authorization_totals.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from locations
    left join authorization_totals
        on locations.location_id = authorization_totals.location_id

),

booking_totals as (

    select
        location_id,
        count(*) as active_count,
        sum(case when is_mismatch then 1 else 0 end) as flagged_count,
        sum(case when is_mismatch then dollars_at_risk else 0 end) as dollars_at_risk
    from {{ ref('fct_booking_checks') }}
    group by location_id

),

-- Scheduling: booked visits in the next four weeks that break a booking check (fct_booking_checks).
scheduling_area as (

    select
        locations.location_id,
        locations.location_name,
        'scheduling' as leak_area,
        coalesce(booking_totals.flagged_count, 0) as flagged_count,
        coalesce(booking_totals.active_count, 0) as active_count,
        cast(coalesce(booking_totals.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from locations
    left join booking_totals
        on locations.location_id = booking_totals.location_id

),

claim_audit_totals as (

    select
        location_id,
        count(*) as flagged_count,
        sum(dollars_at_risk) as dollars_at_risk
    from {{ ref('flag_claim_audit_failures') }}
    group by location_id

),

-- Claims: claims not yet answered by the payer that fail the pre-submission audit (flag_claim_audit_failures).
claims_area as (

    select
        locations.location_id,
        locations.location_name,
        'claims' as leak_area,
        coalesce(claim_audit_totals.flagged_count, 0) as flagged_count,
        coalesce(claim_audit_totals.flagged_count, 0) as active_count,
        cast(coalesce(claim_audit_totals.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from locations
    left join claim_audit_totals
        on locations.location_id = claim_audit_totals.location_id

),

sweep_totals as (

    select
        sweep.location_id,
        count(*) as active_count,
        sum(case when sweep.is_check_due or coverage_changes.patient_id is not null then 1 else 0 end)
            as flagged_count,
        sum(
            case
                when sweep.is_check_due or coverage_changes.patient_id is not null
                    then coalesce(sweep.expected_visit_amount, 0)
                else 0
            end
        ) as dollars_at_risk
    from {{ ref('fct_eligibility_sweep') }} as sweep
    left join {{ ref('flag_coverage_changes') }} as coverage_changes
        on sweep.patient_id = coverage_changes.patient_id
    group by sweep.location_id

),

-- Front office: visits in the eligibility lookahead; flagged = a check is due or the patient's coverage
-- changed (flag_coverage_changes); dollars = the contracted value of those visits.
front_office_area as (

    select
        locations.location_id,
        locations.location_name,
        'front_office' as leak_area,
        coalesce(sweep_totals.flagged_count, 0) as flagged_count,
        coalesce(sweep_totals.active_count, 0) as active_count,
        cast(coalesce(sweep_totals.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from locations
    left join sweep_totals
        on locations.location_id = sweep_totals.location_id

),

credentialing_items as (

    select
        location_id,
        hold_status = 'hold' as is_flagged,
        contracted_amount as amount
    from {{ ref('fct_claim_enrollment_holds') }}
    union all
    select
        location_id,
        coalesce(blocking_reason = 'credential_lapsed', false) as is_flagged,
        dollars_at_risk as amount
    from {{ ref('fct_scheduled_visit_billing') }}

),

credentialing_totals as (

    select
        location_id,
        count(*) as active_count,
        sum(case when is_flagged then 1 else 0 end) as flagged_count,
        sum(case when is_flagged then amount else 0 end) as dollars_at_risk
    from credentialing_items
    group by location_id

),

-- Credentialing: claims held until a new therapist's enrollment takes effect (fct_claim_enrollment_holds,
-- 'hold') plus visits booked ahead that a lapsed billing credential blocks (fct_scheduled_visit_billing,
-- 'credential_lapsed'; enrollment blocks on booked visits are counted by scheduling's booking checks).
credentialing_area as (

    select
        locations.location_id,
        locations.location_name,
        'credentialing' as leak_area,
        coalesce(credentialing_totals.flagged_count, 0) as flagged_count,
        coalesce(credentialing_totals.active_count, 0) as active_count,
        cast(coalesce(credentialing_totals.dollars_at_risk, 0) as decimal(12, 2)) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from locations
    left join credentialing_totals
        on locations.location_id = credentialing_totals.location_id

),

final as (

    select * from authorization_area
    union all
    select * from scheduling_area
    union all
    select * from claims_area
    union all
    select * from front_office_area
    union all
    select * from credentialing_area

)

select * from final
