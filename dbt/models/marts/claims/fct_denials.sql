-- Denial aging: one row per claim line whose current answer is a denial (netted over reversals and
-- corrections), with its CARC/RARC, category and route (seed claim_denial_routes: a RARC-specific row
-- wins; a CARC the seeds do not classify routes to review), dollars, age, and its deadline: the route's
-- deadline kind (claim_route_deadlines) under the payer type's rule (claim_deadline_rules: days from the
-- date of service, the disposition date or Medicare's presumed receipt), for a claim going to another
-- coverage under that payer's rule, moved to the next business day past weekends and business_holidays.
-- The seed's route gives way to a write-off review for the billing lead where the payer or the facts do not
-- allow it: a retro-authorization from a payer that grants none (claim_payer_correction_rules), a
-- timely-filing appeal without a clearinghouse acceptance (fct_claim_acknowledgements.accepted_date) inside
-- the payer's filing limit. An NCCI / bundling denial becomes a corrected claim with the payer's
-- distinct-service modifier only when the note documents the code separately: a separate session, or a time
-- block that overlaps no other documented code of the visit (every other code documenting its own block).
{% set work_rule = 'denial_work' %}
with

positions as (

    select * from {{ ref('fct_remit_line_positions') }}
    where is_denied

),

routes as (

    select * from {{ ref('claim_denial_routes') }}

),

route_deadlines as (

    select * from {{ ref('claim_route_deadlines') }}

),

deadline_rules as (

    select * from {{ ref('claim_deadline_rules') }}

),

carc_codes as (

    select * from {{ ref('carc_codes') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

correction_rules as (

    select * from {{ ref('int_payer_correction_rules_resolved') }}

),

acknowledgements as (

    select * from {{ ref('fct_claim_acknowledgements') }}

),

visit_notes as (

    select * from {{ ref('stg_ehr__visit_notes') }}

),

-- Per visit and code: documented as a distinct service (a separate session, or a time block no other code's
-- block overlaps, when every other code of the visit documents its block).
distinct_services as (

    select
        notes.visit_id,
        notes.cpt_code,
        coalesce(notes.separate_session, false)
        or (
            notes.time_block_start is not null
            and not exists (
                select 1
                from visit_notes as other
                where
                    other.visit_id = notes.visit_id
                    and other.cpt_code <> notes.cpt_code
                    and (
                        other.time_block_start is null
                        or (
                            other.time_block_start < notes.time_block_end
                            and notes.time_block_start < other.time_block_end
                        )
                    )
            )
        ) as is_documented_separately
    from visit_notes as notes

),

seed_routed as (

    select
        positions.*,
        coalesce(rarc_route.denial_category, carc_route.denial_category, carc_codes.category, 'unclassified')
            as denial_category,
        case
            when not positions.is_denial_classified then 'review'
            else coalesce(rarc_route.route, carc_route.route, 'review')
        end as seed_route,
        coalesce(rarc_route.has_appeal_rights, carc_route.has_appeal_rights, true) as has_appeal_rights,
        case
            when not positions.is_denial_classified or coalesce(rarc_route.route, carc_route.route) is null
                then
                    'Unknown or unrouted CARC: classify it in the carc_codes and claim_denial_routes seeds '
                    || 'before working it'
            else coalesce(rarc_route.action_note, carc_route.action_note)
        end as seed_action_note,
        carc_codes.description as carc_description
    from positions
    left join routes as carc_route
        on positions.denial_carc = carc_route.carc and carc_route.rarc is null
    left join routes as rarc_route
        on
            positions.denial_carc = rarc_route.carc
            and rarc_route.rarc is not null
            and {{ pipe_list_contains('positions.remark_codes', 'rarc_route.rarc') }}
    left join carc_codes
        on positions.denial_carc = carc_codes.carc

),

-- Proof of timely filing: the first clearinghouse acceptance of the claim, inside the payer's filing limit.
with_proof as (

    select
        seed_routed.*,
        coalesce(correction_rules.correction_method, 'replacement') as correction_method,
        coalesce(correction_rules.distinct_service_modifier, '59') as distinct_service_modifier,
        coalesce(correction_rules.allows_retro_authorization, false) as allows_retro_authorization,
        acknowledgements.accepted_date,
        coalesce(distinct_services.is_documented_separately, false) as is_documented_separately,
        {{ date_add_days('correction_rules.timely_filing_days', 'seed_routed.service_date') }} as filing_limit_date,
        coalesce(
            acknowledgements.accepted_date
            <= {{ date_add_days('correction_rules.timely_filing_days', 'seed_routed.service_date') }},
            false
        ) as has_timely_filing_proof
    from seed_routed
    left join correction_rules
        on seed_routed.payer_id = correction_rules.payer_id
    left join acknowledgements
        on seed_routed.claim_id = acknowledgements.claim_id
    left join distinct_services
        on seed_routed.visit_id = distinct_services.visit_id and seed_routed.procedure_code = distinct_services.cpt_code

),

routed as (

    select
        with_proof.*,
        case
            when seed_route = 'retro_auth_request' and not allows_retro_authorization then 'write_off_review'
            when seed_route = 'appeal' and denial_carc = '29' and not has_timely_filing_proof then 'write_off_review'
            when seed_route = 'ncci_review' and is_documented_separately then 'corrected_claim'
            else seed_route
        end as route,
        case
            when seed_route = 'retro_auth_request' and not allows_retro_authorization
                then 'This payer grants no retro-authorization: the billing lead reviews the write-off'
            when seed_route = 'appeal' and denial_carc = '29' and not has_timely_filing_proof
                then
                    'No clearinghouse acceptance inside the filing limit to prove timely submission: '
                    || 'the billing lead reviews the write-off'
            when seed_route = 'ncci_review' and is_documented_separately
                then
                    'The note documents this code as a distinct service: send a corrected claim with '
                    || distinct_service_modifier || ' on it'
            else seed_action_note
        end as action_note
    from with_proof

),

-- The patient's other coverage in force on the date of service (lowest priority number first): whose
-- window applies when the route sends the claim to another payer.
other_coverage as (

    select *
    from (
        select
            routed.position_key,
            coverages.payer_id as other_payer_id,
            coverages.payer_type as other_payer_type,
            row_number() over (
                partition by routed.position_key
                order by coverages.priority, coverages.coverage_id
            ) as coverage_rank
        from routed
        inner join coverages
            on
                routed.patient_id = coverages.patient_id
                and routed.payer_id <> coverages.payer_id
                and routed.service_date >= coverages.effective_date
                and (coverages.termination_date is null or routed.service_date <= coverages.termination_date)
    ) as ranked
    where coverage_rank = 1

),

deadline_inputs as (

    select
        routed.*,
        other_coverage.other_payer_id,
        route_deadlines.deadline_kind,
        case
            when
                route_deadlines.deadline_payer = 'other_payer'
                then coalesce(other_coverage.other_payer_type, routed.payer_type)
            else routed.payer_type
        end as deadline_payer_type
    from routed
    left join route_deadlines
        on routed.route = route_deadlines.route
    left join other_coverage
        on routed.position_key = other_coverage.position_key

),

-- One candidate per applicable rule (several for 'earliest'); the soonest wins.
deadline_candidates as (

    select
        deadline_inputs.position_key,
        deadline_rules.deadline_kind as rule_kind,
        deadline_rules.basis as deadline_basis,
        deadline_rules.days as deadline_days,
        case deadline_rules.basis
            when 'service_date' then {{ date_add_days('deadline_rules.days', 'deadline_inputs.service_date') }}
            when
                'disposition_date'
                then {{ date_add_days('deadline_rules.days', 'deadline_inputs.latest_payment_date') }}
            when
                'notice_receipt'
                then {{ date_add_days('deadline_rules.days + 5', 'deadline_inputs.latest_payment_date') }}
        end as unrolled_deadline_date
    from deadline_inputs
    inner join deadline_rules
        on
            deadline_inputs.deadline_payer_type = deadline_rules.payer_type
            and (
                deadline_inputs.deadline_kind = deadline_rules.deadline_kind
                or deadline_inputs.deadline_kind = 'earliest'
            )

),

soonest_deadline as (

    select *
    from (
        select
            deadline_candidates.*,
            row_number() over (
                partition by position_key
                order by unrolled_deadline_date, rule_kind
            ) as deadline_rank
        from deadline_candidates
    ) as ranked
    where deadline_rank = 1

),

dated as (

    select
        deadline_inputs.*,
        soonest_deadline.rule_kind as deadline_rule_kind,
        soonest_deadline.deadline_basis,
        soonest_deadline.deadline_days,
        soonest_deadline.unrolled_deadline_date,
        case
            when deadline_inputs.route = 'no_action' then null
            else {{ roll_to_business_day('soonest_deadline.unrolled_deadline_date') }}
        end as deadline_date
    from deadline_inputs
    left join soonest_deadline
        on deadline_inputs.position_key = soonest_deadline.position_key

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ work_rule ~ "'", "':1:'", "dated.claim_id", "':'", "dated.route"])) }}
            as work_flag_id,
        {{ as_of_date() }} as as_of_date,
        dated.claim_id,
        dated.line_number,
        dated.claim_line_id,
        dated.visit_id,
        dated.patient_id,
        dated.location_id,
        dated.payer_id,
        dated.payer_name,
        dated.payer_type,
        dated.payer_claim_control_number,
        dated.service_date,
        dated.procedure_code,
        dated.modifiers,
        dated.billed_units,
        dated.denial_group_code,
        dated.denial_carc,
        dated.carc_description,
        dated.remark_codes,
        dated.denial_category,
        dated.is_denial_classified,
        dated.is_claim_level_answer,
        dated.route,
        dated.has_appeal_rights,
        dated.action_note,
        dated.correction_method,
        dated.distinct_service_modifier,
        dated.accepted_date,
        dated.filing_limit_date,
        dated.has_timely_filing_proof,
        dated.is_documented_separately,
        cast(dated.charge_amount as decimal(12, 2)) as denied_charge_amount,
        cast(coalesce(dated.expected_allowed_amount, dated.charge_amount) as decimal(12, 2)) as dollars_at_risk,
        dated.latest_payment_date as denial_date,
        {{ dbt.datediff('dated.latest_payment_date', as_of_date(), 'day') }} as days_since_denial,  -- noqa: LT05
        case
            when {{ dbt.datediff('dated.latest_payment_date', as_of_date(), 'day') }} <= 30 then '0-30'  -- noqa: LT05
            when {{ dbt.datediff('dated.latest_payment_date', as_of_date(), 'day') }} <= 60 then '31-60'  -- noqa: LT05
            when {{ dbt.datediff('dated.latest_payment_date', as_of_date(), 'day') }} <= 90 then '61-90'  -- noqa: LT05
            else '90+'
        end as aging_bucket,
        dated.deadline_payer_type,
        dated.other_payer_id,
        dated.deadline_rule_kind,
        dated.deadline_basis,
        dated.deadline_days,
        dated.unrolled_deadline_date,
        dated.deadline_date,
        {{ dbt.datediff(as_of_date(), 'dated.deadline_date', 'day') }} as days_left,  -- noqa: LT05
        dated.deadline_date is not null and dated.deadline_date < {{ as_of_date() }} as is_past_deadline
    from dated

)

select * from final
