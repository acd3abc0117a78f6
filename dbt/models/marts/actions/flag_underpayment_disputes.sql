-- One row per claim line paid below its contract (fct_underpayments) whose dispute window has not closed:
-- the variance is disputed with the payer, citing the fee-schedule line the payment fell short of. Not for
-- a payer whose fee schedule is not disputable (claim_payment_policies: Medicare and Medicaid fee-for-service
-- pay a published fee schedule, and its amount is not an appealable determination).
{% set rule_name = 'underpayment_dispute' %}
{% set rule_version = '1' %}
with

underpayments as (

    select * from {{ ref('fct_underpayments') }}

),

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}

),

policies as (

    select * from {{ ref('claim_payer_type_policies') }}

),

dated as (

    select
        underpayments.*,
        submitted_lines.line_control_number,
        policies.underpayment_dispute_days,
        {{ date_add_days('policies.underpayment_dispute_days', 'underpayments.payment_date') }} as due_date
    from underpayments
    left join submitted_lines
        on underpayments.claim_line_id = submitted_lines.claim_line_id
    left join policies
        on underpayments.payer_type = policies.payer_type

),

final as (

    select
        {{ dbt.hash(dbt.concat(["'" ~ rule_name ~ "'", "':'", "'" ~ rule_version ~ "'", "':'", 'claim_id', "':'",
                                "cast(line_number as " ~ dbt.type_string() ~ ")"])) }} as flag_id,
        '{{ rule_name }}' as rule_name,
        '{{ rule_version }}' as rule_version,
        {{ as_of_date() }} as as_of_date,
        claim_id,
        line_number,
        claim_line_id,
        line_control_number,
        location_id,
        patient_id,
        visit_id,
        payer_id,
        payer_name,
        payer_type,
        payer_claim_control_number,
        service_date,
        procedure_code,
        modifiers,
        billed_units,
        paid_units,
        units_reduced,
        payment_date,
        contracted_rate_per_unit,
        reduced_rate_per_unit,
        full_rate_units,
        fee_schedule_modifier,
        assistant_rate_percent,
        applies_mppr,
        mppr_subsequent_unit_percent,
        is_priced_at_charge,
        fee_schedule_effective_date,
        fee_schedule_termination_date,
        contracted_allowed_amount,
        paid_allowed_amount,
        net_paid_amount,
        variance_amount as dollars_at_risk,
        underpayment_dispute_days,
        due_date,
        {{ dbt.datediff(as_of_date(), 'due_date', 'day') }}             as days_left  -- noqa: LT05
    from dated
    where fee_schedule_disputable and (due_date is null or due_date >= {{ as_of_date() }})

)

select * from final
