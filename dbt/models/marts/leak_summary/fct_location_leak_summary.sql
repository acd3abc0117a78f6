-- Open items at risk now, per location and leak area at the as-of date. The leak areas are the seed
-- leak_areas (the monthly marts and the pages read the same list); each open item counts toward the area
-- of the action type drafted from its flags (emitters/registry.py), so the board and this summary group
-- the same items the same way. An area appears once any of its sources holds an item; then every location
-- has a row for it, with zeros when nothing is at risk there. A new source adds a branch to open_items.
with

locations as (

    select * from {{ ref('dim_locations') }}

),

leak_areas as (

    select * from {{ ref('leak_areas') }}

),

-- Authorizations: active authorizations; flagged = running out before anyone re-authorizes
-- (fct_authorization_burndown).
authorization_items as (

    select
        location_id,
        'authorizations' as leak_area,
        is_flagged,
        dollars_at_risk as amount
    from {{ ref('fct_authorization_burndown') }}

),

-- Claims and denials: claims not yet answered by the payer that fail the pre-submission audit
-- (flag_claim_audit_failures: every row is flagged).
claim_audit_items as (

    select
        location_id,
        'claims_denials' as leak_area,
        true as is_flagged,
        dollars_at_risk as amount
    from {{ ref('flag_claim_audit_failures') }}

),

-- Claims and denials: visits in the eligibility lookahead; flagged = a check is due or the patient's
-- coverage changed (flag_coverage_changes); dollars = the contracted value of those visits.
eligibility_items as (

    select
        sweep.location_id,
        'claims_denials' as leak_area,
        sweep.is_check_due or coverage_changes.patient_id is not null as is_flagged,
        coalesce(sweep.expected_visit_amount, 0) as amount
    from {{ ref('fct_eligibility_sweep') }} as sweep
    left join {{ ref('flag_coverage_changes') }} as coverage_changes
        on sweep.patient_id = coverage_changes.patient_id

),

-- Credentialing: booked visits in the next four weeks that break a booking check (fct_booking_checks:
-- the provider is not enrolled, or no authorization covers the visit; the booking alert's area).
booking_items as (

    select
        location_id,
        'credentialing' as leak_area,
        is_mismatch as is_flagged,
        dollars_at_risk as amount
    from {{ ref('fct_booking_checks') }}

),

-- Credentialing: claims held until a new therapist's enrollment takes effect (fct_claim_enrollment_holds,
-- 'hold') plus visits booked ahead that a lapsed billing credential blocks (fct_scheduled_visit_billing,
-- 'credential_lapsed'; enrollment blocks on booked visits are counted by the booking checks above).
enrollment_hold_items as (

    select
        location_id,
        'credentialing' as leak_area,
        hold_status = 'hold' as is_flagged,
        contracted_amount as amount
    from {{ ref('fct_claim_enrollment_holds') }}

),

lapsed_credential_items as (

    select
        location_id,
        'credentialing' as leak_area,
        coalesce(blocking_reason = 'credential_lapsed', false) as is_flagged,
        dollars_at_risk as amount
    from {{ ref('fct_scheduled_visit_billing') }}

),

open_items as (

    select * from authorization_items
    union all
    select * from claim_audit_items
    union all
    select * from eligibility_items
    union all
    select * from booking_items
    union all
    select * from enrollment_hold_items
    union all
    select * from lapsed_credential_items

),

spine as (

    select
        locations.location_id,
        locations.location_name,
        leak_areas.leak_area
    from locations
    cross join leak_areas
    where leak_areas.leak_area in (select open_items.leak_area from open_items)

),

final as (

    select
        spine.location_id,
        spine.location_name,
        spine.leak_area,
        count(case when open_items.is_flagged then 1 end) as flagged_count,
        count(open_items.leak_area) as active_count,
        cast(
            coalesce(sum(case when open_items.is_flagged then open_items.amount end), 0) as decimal(12, 2)
        ) as dollars_at_risk,
        {{ as_of_date() }} as as_of_date
    from spine
    left join open_items
        on
            spine.location_id = open_items.location_id
            and spine.leak_area = open_items.leak_area
    group by
        spine.location_id,
        spine.location_name,
        spine.leak_area

)

select * from final
