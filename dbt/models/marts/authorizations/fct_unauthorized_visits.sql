-- Kept visits (on or before the as-of date, from the EHR, whether or not a claim has gone out) of a payer
-- that requires authorization, with no approved authorization covering them: none on file, one that
-- ended before the visit, one not started yet, or one in force that covers another service. Each carries
-- the visit's contracted dollars and the reason in words for the person who works it. An evaluation
-- needs no authorization (as in the claim audit): a visit billed with evaluation codes only is left out.
with

kept_visits as (

    select * from {{ ref('int_visit_contracted_amounts') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

matched as (

    select * from {{ ref('int_appointments_matched_to_authorizations') }}

),

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

cpt_codes as (

    select * from {{ ref('ot_cpt_codes') }}

),

evaluation_only_visits as (

    select charge_lines.visit_id
    from charge_lines
    left join cpt_codes
        on charge_lines.cpt_code = cpt_codes.cpt_code
    group by charge_lines.visit_id
    having min(case when cpt_codes.is_evaluation then 1 else 0 end) = 1

),

auth_required_visits as (

    select kept_visits.*
    from kept_visits
    inner join payer_rules
        on kept_visits.payer_id = payer_rules.payer_id
    left join evaluation_only_visits
        on kept_visits.visit_id = evaluation_only_visits.visit_id
    where payer_rules.requires_authorization and evaluation_only_visits.visit_id is null

),

-- Per visit: does an approved authorization in its window cover its service, or only another one?
window_matches as (

    select
        appointment_id,
        max(case when is_service_covered then 1 else 0 end) = 1 as is_covered,
        count(*) as in_window_count
    from matched
    group by appointment_id

),

-- The nearest approved authorization of the same patient and payer outside the visit's date.
nearby_authorizations as (

    select
        auth_required_visits.visit_id,
        max(case when authorizations.end_date < auth_required_visits.date_of_service then authorizations.end_date end)
            as last_ended_date,
        min(
            case
                when authorizations.start_date > auth_required_visits.date_of_service then authorizations.start_date
            end
        )
            as next_start_date
    from auth_required_visits
    inner join authorizations
        on
            auth_required_visits.patient_id = authorizations.patient_id
            and auth_required_visits.payer_id = authorizations.payer_id
            and authorizations.status = 'approved'
    group by auth_required_visits.visit_id

),

classified as (

    select
        auth_required_visits.*,
        nearby_authorizations.last_ended_date,
        nearby_authorizations.next_start_date,
        case
            when window_matches.in_window_count > 0 then 'wrong_service'
            when nearby_authorizations.next_start_date is not null then 'authorization_not_started'
            when nearby_authorizations.last_ended_date is not null then 'authorization_ended'
            else 'no_authorization'
        end as unauthorized_reason
    from auth_required_visits
    left join window_matches
        on auth_required_visits.appointment_id = window_matches.appointment_id
    left join nearby_authorizations
        on auth_required_visits.visit_id = nearby_authorizations.visit_id
    where not coalesce(window_matches.is_covered, false)

),

final as (

    select
        visit_id,
        appointment_id,
        patient_id,
        payer_id,
        location_id,
        date_of_service,
        unauthorized_reason,
        case unauthorized_reason
            when 'wrong_service' then 'the authorization in force covers another service than the one billed'
            when
                'authorization_not_started'
                then 'the next authorization starts ' || cast(next_start_date as varchar) || ', after the visit'
            when
                'authorization_ended'
                then 'the last authorization ended ' || cast(last_ended_date as varchar) || ', before the visit'
            else 'no approved authorization on file for this payer'
        end as unauthorized_reason_text,
        last_ended_date,
        next_start_date,
        contracted_amount as dollars_at_risk
    from classified

)

select * from final
