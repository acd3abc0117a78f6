-- Denial aging: one row per claim line whose current answer is a denial (netted over reversals and
-- corrections), with its CARC/RARC, category and route (seed claim_denial_routes: a RARC-specific row
-- wins), dollars, age, and the appeal or corrected-claim deadline from the payer-type policy seed.
{% set work_rule = 'denial_work' %}
with

positions as (

    select * from {{ ref('fct_remit_line_positions') }}
    where is_denied

),

routes as (

    select * from {{ ref('claim_denial_routes') }}

),

policies as (

    select * from {{ ref('claim_payer_type_policies') }}

),

carc_codes as (

    select * from {{ ref('carc_codes') }}

),

routed as (

    select
        positions.*,
        coalesce(
            rarc_route.denial_category, carc_route.denial_category, carc_codes.category, 'other'
        ) as denial_category,
        coalesce(rarc_route.route, carc_route.route, 'appeal') as route,
        coalesce(rarc_route.has_appeal_rights, carc_route.has_appeal_rights, true) as has_appeal_rights,
        coalesce(rarc_route.action_note, carc_route.action_note, 'Review the denial and decide: appeal or correct')
            as action_note,
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

dated as (

    select
        routed.*,
        policies.appeal_days,
        policies.corrected_claim_days,
        case
            when routed.route = 'no_action' then null
            when routed.route = 'appeal'
                then {{ date_add_days(
                    "policies.appeal_days"
                    ~ " + case when policies.appeal_days_basis = 'notice_date_plus_5' then 5 else 0 end",
                    'routed.latest_payment_date',
                ) }}
            else {{ date_add_days('policies.corrected_claim_days', 'routed.service_date') }}
        end as deadline_date
    from routed
    left join policies
        on routed.payer_type = policies.payer_type

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
        dated.route,
        dated.has_appeal_rights,
        dated.action_note,
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
        dated.deadline_date,
        {{ dbt.datediff(as_of_date(), 'dated.deadline_date', 'day') }} as days_left,  -- noqa: LT05
        dated.deadline_date is not null and dated.deadline_date < {{ as_of_date() }} as is_past_deadline
    from dated

)

select * from final
