-- ERA posting: one row per claim line an 835 answered, netted over every posted remit of that line
-- (original, reversal CLP02 = 22, correction). The latest non-reversal answer says how it stands now.
-- Duplicate deliveries of an ERA are excluded upstream; unmatched remit lines keep their own key.
-- is_denied includes lines whose only reason is a CARC the seed does not know (is_denial_classified false).
-- Incremental by claim: a position is one claim's (a matched line's claim is the claim its 835 answers, CLP01),
-- and its one input, int_remit_lines_posted, logs the claims it rebuilt (changed_claims__fct_remit_line_positions).
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__fct_remit_line_positions'),
        post_hook=claims_to_rebuild_post_hooks() + claims_changed_in_read_hooks('int_remit_lines_posted'),
    )
}}
with

posted as (

    select * from {{ ref('int_remit_lines_posted') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

keyed as (

    select
        posted.*,
        coalesce(
            claim_line_id,
            {{ dbt.concat(["'unmatched:'", "claim_id", "':'", "coalesce(line_control_number, procedure_code)"]) }}
        ) as position_key
    from posted

),

-- One pass over each position: its totals over every remit line, and its latest non-reversal answer ranked first
-- (a position with only reversals has no answer and no row).
ranked as (

    select
        keyed.*,
        sum(paid_amount) over (partition by position_key) as net_paid_amount,
        count(*) over (partition by position_key) as remit_line_count,
        sum(case when is_reversal then 1 else 0 end) over (partition by position_key) as reversal_count,
        row_number() over (
            partition by position_key
            order by
                case when not is_reversal then 0 else 1 end,
                payment_date desc, loaded_at desc, source_file_name desc, remit_line_id desc
        ) as answer_rank
    from keyed

),

latest_answer as (

    select *
    from ranked
    where answer_rank = 1 and not is_reversal

),

final as (

    select
        latest_answer.position_key,
        latest_answer.claim_line_id,
        latest_answer.remit_line_id as latest_remit_line_id,
        latest_answer.match_method,
        latest_answer.claim_id,
        coalesce(latest_answer.claim_line_number, latest_answer.remit_line_number) as line_number,
        latest_answer.visit_id,
        latest_answer.patient_id,
        latest_answer.location_id,
        latest_answer.payer_id,
        latest_answer.payer_name,
        latest_answer.payer_type,
        latest_answer.payer_claim_control_number,
        latest_answer.service_date,
        latest_answer.procedure_code,
        latest_answer.modifiers,
        latest_answer.billed_units,
        latest_answer.units_paid,
        latest_answer.payment_date as latest_payment_date,
        latest_answer.claim_status_code as latest_claim_status_code,
        latest_answer.charge_amount,
        latest_answer.paid_amount as latest_paid_amount,
        latest_answer.allowed_amount as latest_allowed_amount,
        latest_answer.contractual_amount,
        latest_answer.patient_responsibility_amount,
        latest_answer.denial_amount,
        latest_answer.unclassified_amount,
        latest_answer.denial_group_code,
        latest_answer.denial_carc,
        latest_answer.is_denial_classified,
        latest_answer.is_claim_level_answer,
        latest_answer.remark_codes,
        latest_answer.expected_allowed_amount,
        latest_answer.net_paid_amount,
        latest_answer.remit_line_count,
        latest_answer.reversal_count,
        -- an unclassified CARC keeps the line in the work queue (routed to review), not in denial counts
        latest_answer.paid_amount = 0
        and latest_answer.denial_amount + latest_answer.unclassified_amount > 0
        and latest_answer.net_paid_amount <= 0 as is_denied
    from latest_answer

)

select * from final
