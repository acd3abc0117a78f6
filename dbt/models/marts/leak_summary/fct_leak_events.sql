-- Every dollar the monthly leak mart counts, one row per leaked item, dated by the day the leak occurred.
-- The six areas and what their dollars mean are in _leak_summary__models.yml. Ids, dates and money only:
-- no patient fields, so the dashboard can show these rows as the drill-down behind every monthly figure.
with

kept_visits as (

    select * from {{ ref('int_visit_contracted_amounts') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

authorization_matches as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

enrollments as (

    select * from {{ ref('stg_credentialing__payer_enrollments') }}

),

assumptions as (

    select * from {{ ref('leak_value_assumptions') }}

),

-- Authorizations: a kept visit for a payer that requires authorization, on a day no approved
-- authorization of the patient covers.
visits_without_authorization as (

    select
        'authorizations' as leak_area,
        kept_visits.location_id,
        kept_visits.payer_id,
        kept_visits.date_of_service as event_date,
        'visit' as record_type,
        kept_visits.visit_id as record_id,
        'kept visit with no approved authorization covering its date' as leak_reason,
        coalesce(kept_visits.contracted_amount, 0) as leaked_amount
    from kept_visits
    inner join payer_rules
        on kept_visits.payer_id = payer_rules.payer_id
    where
        payer_rules.requires_authorization
        and not exists (
            select 1
            from authorization_matches
            where authorization_matches.appointment_id = kept_visits.appointment_id
        )

),

-- Authorizations: kept visits past the authorization's approved quantity ("negative used visits"). Use
-- accumulates in date order; the visit whose use crosses the approved quantity leaks the part beyond it
-- (a whole visit for visit-counted authorizations, the share of its units beyond the cap for unit-counted
-- ones), every later one all of it. A visit another authorization also covers is not counted.
authorization_use as (

    select
        authorization_matches.appointment_id,
        authorization_matches.used_quantity,
        authorizations.approved_quantity,
        sum(authorization_matches.used_quantity) over (
            partition by authorization_matches.authorization_id
            order by authorization_matches.date_of_service, authorization_matches.appointment_id
            rows between unbounded preceding and current row
        ) as running_used_quantity,
        count(*) over (partition by authorization_matches.appointment_id) as matching_authorization_count
    from authorization_matches
    inner join authorizations
        on authorization_matches.authorization_id = authorizations.authorization_id
    where authorization_matches.is_used and authorization_matches.used_quantity > 0

),

visits_beyond_authorization as (

    select
        'authorizations' as leak_area,
        kept_visits.location_id,
        kept_visits.payer_id,
        kept_visits.date_of_service as event_date,
        'visit' as record_type,
        kept_visits.visit_id as record_id,
        'kept visit beyond the authorized quantity' as leak_reason,
        coalesce(kept_visits.contracted_amount, 0)
        * least(
            1.0,
            (authorization_use.running_used_quantity - authorization_use.approved_quantity)
            / cast(authorization_use.used_quantity as {{ type_double() }})
        ) as leaked_amount
    from authorization_use
    inner join kept_visits
        on authorization_use.appointment_id = kept_visits.appointment_id
    where
        authorization_use.running_used_quantity > authorization_use.approved_quantity
        and authorization_use.matching_authorization_count = 1

),

-- Claims and denials: denied dollars still denied (current netted answer), by the denial's date. A CARC
-- nobody has classified yet is worked (routed to review) but not counted as a denial here. A denial on a
-- remit that matches no claim we sent has no location yet: it waits in fct_unmatched_remits (shown on the
-- Claims page) and counts here once its claim arrives and matches.
denials as (

    select
        'claims_denials' as leak_area,
        location_id,
        payer_id,
        denial_date as event_date,
        'claim_line' as record_type,
        claim_line_id as record_id,
        {{ dbt.concat(["'denied: '", "coalesce(denial_category, 'uncategorized')"]) }} as leak_reason,
        coalesce(dollars_at_risk, 0) as leaked_amount
    from {{ ref('fct_denials') }}
    where is_denial_classified and location_id is not null

),

-- Underpayments: contracted allowed minus paid allowed, by the payment date.
underpayments as (

    select
        'underpayments' as leak_area,
        location_id,
        payer_id,
        payment_date as event_date,
        'claim_line' as record_type,
        claim_line_id as record_id,
        'paid below the contracted allowed amount' as leak_reason,
        variance_amount as leaked_amount
    from {{ ref('fct_underpayments') }}

),

-- Schedule gaps: a cancelled, late-cancelled or no-show visit whose slot was not refilled, at the
-- missed visit's contracted rate (scheduling's own definition, over its lookback window).
schedule_gaps as (

    select
        'schedule_gaps' as leak_area,
        location_id,
        payer_id,
        local_date as event_date,
        'appointment' as record_type,
        appointment_id as record_id,
        {{ dbt.concat(["'unfilled '", "status"]) }} as leak_reason,
        lost_revenue as leaked_amount
    from {{ ref('int_scheduling__missed_visits') }}
    where not is_refilled and lost_revenue > 0

),

-- Credentialing: a kept visit by a therapist whose enrollment with the payer at the location was not in
-- effect on the date of service (missing, pending, terminated or not yet effective).
visits_without_enrollment as (

    select
        'credentialing' as leak_area,
        kept_visits.location_id,
        kept_visits.payer_id,
        kept_visits.date_of_service as event_date,
        'visit' as record_type,
        kept_visits.visit_id as record_id,
        'kept visit by a therapist not enrolled with the payer on that date' as leak_reason,
        coalesce(kept_visits.contracted_amount, 0) as leaked_amount
    from kept_visits
    inner join visits
        on kept_visits.visit_id = visits.visit_id
    where not exists (
        select 1
        from enrollments
        where
            enrollments.provider_id = visits.provider_id
            and enrollments.payer_id = kept_visits.payer_id
            and enrollments.location_id = kept_visits.location_id
            -- a terminated enrollment still covered the visits inside its dates
            and enrollments.status in ('enrolled', 'terminated')
            and enrollments.effective_date <= kept_visits.date_of_service
            and (enrollments.termination_date is null or enrollments.termination_date >= kept_visits.date_of_service)
    )

),

-- Intake: a referral declined or closed without an evaluation booked, by the day it arrived, valued at
-- the lost_referral_value assumption (seed leak_value_assumptions, UNVERIFIED placeholder).
lost_referrals as (

    select
        'intake' as leak_area,
        referrals.location_id,
        referrals.payer_id,
        cast(referrals.received_at as date) as event_date,
        'referral' as record_type,
        referrals.referral_id as record_id,
        {{ dbt.concat(["'referral '", "referrals.status", "' without an evaluation'"]) }} as leak_reason,
        assumptions.value as leaked_amount
    from {{ ref('fct_referral_pipeline') }} as referrals
    cross join assumptions
    where
        assumptions.assumption = 'lost_referral_value'
        and referrals.status in ('declined', 'closed')
        and not referrals.is_evaluation_scheduled
        and referrals.location_id is not null

),

unioned as (

    select * from visits_without_authorization
    union all
    select * from visits_beyond_authorization
    union all
    select * from denials
    union all
    select * from underpayments
    union all
    select * from schedule_gaps
    union all
    select * from visits_without_enrollment
    union all
    select * from lost_referrals

),

final as (

    select
        leak_area,
        location_id,
        payer_id,
        event_date,
        cast({{ dbt.date_trunc('month', 'event_date') }} as date) as month_start,
        record_type,
        record_id,
        leak_reason,
        cast(leaked_amount as decimal(12, 2)) as leaked_amount,
        {{ as_of_date() }} as as_of_date
    from unioned
    where event_date is not null and event_date <= {{ as_of_date() }}

)

select * from final
