{#- What the payer's contract allows for each line of `claim_lines_relation` (one row per line with
    claim_line_id, claim_id, line_number, payer_id, payer_type, service_date, procedure_code, modifiers, units,
    charge_amount, payer_assistant_modifier, assistant_payment_percent). The one pricing path: the lines of the
    837s sent (int_claim_lines_priced) and the charge lines of visits billed in the EHR and not sent yet
    (int_unsent_visit_lines_priced) are priced by the same rules:
    1. the fee-schedule rate in force on the date of service; a row for a modifier the line carries (e.g. a
       contracted assistant rate for CO) wins over the plain row;
    2. a line carrying the payer type's assistant modifier (claim_assistant_modifiers: Medicare CO at 85%) is
       paid that share of the plain rate (not again when a modifier-specific row priced it);
    3. where the payer applies the multiple-procedure payment reduction (claim_payment_policies), the one unit
       with the highest rate on the claim's date of service is paid in full and every further unit that day at
       mppr_subsequent_unit_percent of its rate (every OT, PT and SLP code here is an "always therapy" code);
    4. where the payer pays the lesser of the billed charge and the fee schedule, no more than the charge.
    A line with no fee-schedule row has no expected amount (null), never zero.
    claim_lines_filter restricts the lines priced to whole claims (an incremental build's claims to rebuild):
    every rule above looks only at the line, its payer and its claim's day. -#}
{% macro price_claim_lines(claim_lines_relation, claim_lines_filter='1 = 1') %}
with

claim_lines as (

    select * from {{ claim_lines_relation }}
    where {{ claim_lines_filter }}

),

fee_schedules as (

    select * from {{ ref('stg_contracts__fee_schedules') }}

),

policies as (

    select * from {{ ref('claim_payment_policies') }}

),

rates as (

    select *
    from (
        select
            claim_lines.claim_line_id,
            fee_schedules.modifier as fee_schedule_modifier,
            fee_schedules.allowed_amount as fee_schedule_rate_per_unit,
            fee_schedules.effective_date as fee_schedule_effective_date,
            fee_schedules.termination_date as fee_schedule_termination_date,
            row_number() over (
                partition by claim_lines.claim_line_id
                order by
                    case when fee_schedules.modifier is null then 1 else 0 end asc,
                    fee_schedules.effective_date desc,
                    fee_schedules.modifier asc
            ) as rate_rank
        from claim_lines
        inner join fee_schedules
            on
                claim_lines.payer_id = fee_schedules.payer_id
                and claim_lines.procedure_code = fee_schedules.cpt_code
                and claim_lines.service_date >= fee_schedules.effective_date
                and (
                    fee_schedules.termination_date is null
                    or claim_lines.service_date <= fee_schedules.termination_date
                )
                and (
                    fee_schedules.modifier is null
                    or {{ pipe_list_contains('claim_lines.modifiers', 'fee_schedules.modifier') }}
                )
    ) as ranked
    where rate_rank = 1

),

-- A payer's own row wins over its payer type's row.
line_policies as (

    select
        claim_lines.claim_line_id,
        coalesce(payer_row.applies_mppr, type_row.applies_mppr, false) as applies_mppr,
        coalesce(payer_row.mppr_subsequent_unit_percent, type_row.mppr_subsequent_unit_percent, 100)
            as mppr_subsequent_unit_percent,
        coalesce(payer_row.pays_lesser_of_charge, type_row.pays_lesser_of_charge, true) as pays_lesser_of_charge,
        coalesce(payer_row.fee_schedule_disputable, type_row.fee_schedule_disputable, true)
            as fee_schedule_disputable
    from claim_lines
    left join policies as payer_row
        on claim_lines.payer_id = payer_row.payer_id
    left join policies as type_row
        on claim_lines.payer_type = type_row.payer_type and type_row.payer_id is null

),

unit_rates as (

    select
        claim_lines.claim_line_id,
        claim_lines.claim_id,
        claim_lines.line_number,
        claim_lines.payer_id,
        claim_lines.payer_type,
        claim_lines.service_date,
        claim_lines.procedure_code,
        claim_lines.modifiers,
        claim_lines.units,
        claim_lines.charge_amount,
        rates.fee_schedule_modifier,
        rates.fee_schedule_rate_per_unit,
        rates.fee_schedule_effective_date,
        rates.fee_schedule_termination_date,
        line_policies.applies_mppr,
        line_policies.mppr_subsequent_unit_percent,
        line_policies.pays_lesser_of_charge,
        line_policies.fee_schedule_disputable,
        case
            when
                rates.fee_schedule_modifier is null
                and claim_lines.payer_assistant_modifier is not null
                and {{ pipe_list_contains('claim_lines.modifiers', 'claim_lines.payer_assistant_modifier') }}
                then coalesce(claim_lines.assistant_payment_percent, 100)
            else 100
        end as assistant_rate_percent
    from claim_lines
    inner join line_policies
        on claim_lines.claim_line_id = line_policies.claim_line_id
    left join rates
        on claim_lines.claim_line_id = rates.claim_line_id

),

rated as (

    select
        unit_rates.*,
        cast(fee_schedule_rate_per_unit * assistant_rate_percent / 100 as decimal(12, 4)) as contracted_rate_per_unit
    from unit_rates

),

-- Which line holds the day's one full-rate unit under the multiple-procedure reduction: the highest rate.
ranked as (

    select
        rated.*,
        row_number() over (
            partition by claim_id, service_date
            order by contracted_rate_per_unit desc nulls last, line_number asc
        ) as rate_order_on_day
    from rated

),

unit_split as (

    select
        ranked.claim_line_id,
        ranked.claim_id,
        ranked.line_number,
        ranked.payer_id,
        ranked.payer_type,
        ranked.service_date,
        ranked.procedure_code,
        ranked.modifiers,
        ranked.units,
        ranked.charge_amount,
        ranked.fee_schedule_modifier,
        ranked.fee_schedule_rate_per_unit,
        ranked.fee_schedule_effective_date,
        ranked.fee_schedule_termination_date,
        ranked.assistant_rate_percent,
        ranked.contracted_rate_per_unit,
        ranked.applies_mppr,
        ranked.mppr_subsequent_unit_percent,
        cast(ranked.contracted_rate_per_unit * ranked.mppr_subsequent_unit_percent / 100 as decimal(12, 4))
            as reduced_rate_per_unit,
        case
            when not ranked.applies_mppr then ranked.units
            when ranked.rate_order_on_day = 1 then least(ranked.units, 1)
            else 0
        end as full_rate_units,
        ranked.pays_lesser_of_charge,
        ranked.fee_schedule_disputable
    from ranked

),

priced as (

    select
        unit_split.*,
        unit_split.units - unit_split.full_rate_units as reduced_rate_units,
        cast({{ expected_allowed(
            'unit_split.contracted_rate_per_unit', 'unit_split.reduced_rate_per_unit', 'unit_split.full_rate_units',
            'unit_split.units', 'unit_split.charge_amount', 'unit_split.units', 'unit_split.pays_lesser_of_charge'
        ) }} as decimal(12, 2)) as expected_allowed_amount
    from unit_split

),

final as (

    select
        priced.*,
        priced.expected_allowed_amount < round(
            priced.contracted_rate_per_unit * priced.full_rate_units
            + priced.reduced_rate_per_unit * priced.reduced_rate_units,
            2
        ) as is_priced_at_charge
    from priced

)

select * from final
{% endmacro %}
