-- One row per 835 service line of a posted (non-duplicate) remit, with its line-level adjustments
-- summed by class (CARC seed) and its largest denial adjustment, matched to the claim line it answers:
-- CLP01 = CLM01, then REF*6R = the 837 line control number, then date, code, modifiers and units.
-- A remitted claim with no service lines (a claim-level denial, e.g. CLP02 = 4 with only claim CAS)
-- answers every submitted line of the claim: one row per line, its charge adjusted by the claim's
-- largest claim-level adjustment. Claim-level remark codes (MOA/MIA) apply to every line of the claim, so
-- they join the line's own LQ codes in remark_codes and route and count exactly as an LQ code would
-- (CO-16 with MA130 in the MOA is the same unprocessable claim as with MA130 in the LQ). A CARC missing
-- from the seed is 'unclassified': it is worked (routed to review) but not counted as a denial until
-- someone classifies it.
-- Incremental by the claim each 835 answers (every input and why it is covered:
-- changed_claims__int_remit_lines_posted in macros/changed_claims.sql); the post-hooks record what this build read.
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__int_remit_lines_posted'),
        post_hook=claims_to_rebuild_post_hooks()
            + claims_changed_in_read_hooks('int_claim_lines_submitted')
            + claims_changed_in_read_hooks('int_claim_lines_priced'),
    )
}}
with

transactions as {{ inlined_cte() }} (

    select * from {{ ref('int_remit_transactions_deduplicated') }}
    where not is_duplicate_delivery

),

remit_claims as {{ inlined_cte() }} (

    select * from {{ ref('stg_clearinghouse__remit_claims') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

remit_lines as {{ inlined_cte() }} (

    select * from {{ ref('stg_clearinghouse__remit_lines') }}
    {%- if is_incremental() %}
    where remit_claim_id in (select remit_claim_id from remit_claims)
    {%- endif %}

),

adjustments as {{ inlined_cte() }} (

    select * from {{ ref('stg_clearinghouse__remit_adjustments') }}
    {%- if is_incremental() %}
    where remit_claim_id in (select remit_claim_id from remit_claims)
    {%- endif %}

),

carc_codes as {{ inlined_cte() }} (

    select * from {{ ref('carc_codes') }}

),

claim_lines as {{ inlined_cte() }} (

    select * from {{ ref('int_claim_lines_submitted') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

priced_lines as {{ inlined_cte() }} (

    select * from {{ ref('int_claim_lines_priced') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

line_adjustments as (

    select
        adjustments.remit_line_id,
        adjustments.group_code,
        adjustments.reason_code,
        adjustments.amount,
        case
            when adjustments.group_code = 'PR' then 'patient_resp'
            else coalesce(carc_codes.class, 'unclassified')
        end as adjustment_class
    from adjustments
    left join carc_codes
        on adjustments.reason_code = carc_codes.carc
    where adjustments.adjustment_level = 'line'

),

claims_without_lines as (

    select remit_claims.*
    from remit_claims
    where not exists (
        select 1
        from remit_lines
        where remit_lines.remit_claim_id = remit_claims.remit_claim_id
    )

),

claim_level_adjustments as (

    select
        adjustments.remit_claim_id,
        adjustments.group_code,
        adjustments.reason_code,
        adjustments.amount,
        case
            when adjustments.group_code = 'PR' then 'patient_resp'
            else coalesce(carc_codes.class, 'unclassified')
        end as adjustment_class,
        row_number() over (
            partition by adjustments.remit_claim_id
            order by adjustments.amount desc, adjustments.reason_code asc
        ) as adjustment_rank
    from adjustments
    left join carc_codes
        on adjustments.reason_code = carc_codes.carc
    where adjustments.adjustment_level = 'claim'

),

-- Each submitted line of a claim answered only at claim level carries the claim's largest adjustment.
claim_level_lines as (

    select
        {{ dbt.concat(["claims_without_lines.remit_claim_id", "'-claim-'", "cast(claim_lines.line_number as " ~ dbt.type_string() ~ ")"]) }}  -- noqa: LT05
            as remit_line_id,
        claims_without_lines.remit_claim_id,
        claims_without_lines.remit_transaction_id,
        claim_lines.line_number as remit_line_number,
        claim_lines.line_control_number,
        claim_lines.procedure_code,
        claim_lines.modifiers,
        0 as units_paid,
        claim_lines.service_date,
        claim_lines.charge_amount,
        cast(0 as decimal(12, 2)) as paid_amount,
        cast(null as decimal(12, 2)) as allowed_amount,
        claims_without_lines.claim_remark_codes as remark_codes,
        claim_level_adjustments.group_code,
        claim_level_adjustments.reason_code,
        claim_level_adjustments.adjustment_class,
        claims_without_lines.loaded_at,
        claims_without_lines.source_file_name
    from claims_without_lines
    inner join claim_lines
        on claims_without_lines.claim_id = claim_lines.claim_id
    inner join claim_level_adjustments
        on
            claims_without_lines.remit_claim_id = claim_level_adjustments.remit_claim_id
            and claim_level_adjustments.adjustment_rank = 1

),

adjustment_totals as (

    select
        remit_line_id,
        sum(case when adjustment_class = 'contractual' then amount else 0 end) as contractual_amount,
        sum(case when adjustment_class = 'patient_resp' then amount else 0 end) as patient_responsibility_amount,
        sum(case when adjustment_class = 'denial' then amount else 0 end) as denial_amount,
        sum(case when adjustment_class = 'unclassified' then amount else 0 end) as unclassified_amount
    from line_adjustments
    group by remit_line_id

),

largest_denial as (

    select *
    from (
        select
            remit_line_id,
            group_code as denial_group_code,
            reason_code as denial_carc,
            adjustment_class = 'denial' as is_denial_classified,
            -- a classified denial names the line's reason; an unknown CARC only when nothing else does
            row_number() over (
                partition by remit_line_id
                order by case when adjustment_class = 'denial' then 0 else 1 end, amount desc, reason_code asc
            ) as denial_rank
        from line_adjustments
        where adjustment_class in ('denial', 'unclassified')
    ) as ranked
    where denial_rank = 1

),

posted as (

    select
        remit_lines.remit_line_id,
        remit_lines.remit_claim_id,
        transactions.remit_transaction_id,
        remit_claims.claim_id,
        remit_claims.claim_status_code,
        remit_claims.claim_status_code = '22' as is_reversal,
        remit_claims.payer_claim_control_number,
        transactions.payer_id as payer_x12_id,
        transactions.trace_number,
        coalesce(transactions.payment_date, transactions.production_date) as payment_date,
        remit_lines.line_number as remit_line_number,
        remit_lines.line_control_number,
        remit_lines.procedure_code,
        remit_lines.modifiers,
        remit_lines.units_paid,
        remit_lines.service_date,
        remit_lines.charge_amount,
        remit_lines.paid_amount,
        remit_lines.allowed_amount,
        {{ pipe_list_append('remit_lines.remark_codes', 'remit_claims.claim_remark_codes') }} as remark_codes,
        coalesce(adjustment_totals.contractual_amount, 0) as contractual_amount,
        coalesce(adjustment_totals.patient_responsibility_amount, 0) as patient_responsibility_amount,
        coalesce(adjustment_totals.denial_amount, 0) as denial_amount,
        coalesce(adjustment_totals.unclassified_amount, 0) as unclassified_amount,
        largest_denial.denial_group_code,
        largest_denial.denial_carc,
        coalesce(largest_denial.is_denial_classified, true) as is_denial_classified,
        false as is_claim_level_answer,
        remit_lines.loaded_at,
        remit_lines.source_file_name
    from remit_lines
    inner join remit_claims
        on remit_lines.remit_claim_id = remit_claims.remit_claim_id
    inner join transactions
        on remit_claims.remit_transaction_id = transactions.remit_transaction_id
    left join adjustment_totals
        on remit_lines.remit_line_id = adjustment_totals.remit_line_id
    left join largest_denial
        on remit_lines.remit_line_id = largest_denial.remit_line_id

    union all

    select
        claim_level_lines.remit_line_id,
        claim_level_lines.remit_claim_id,
        transactions.remit_transaction_id,
        remit_claims.claim_id,
        remit_claims.claim_status_code,
        remit_claims.claim_status_code = '22' as is_reversal,
        remit_claims.payer_claim_control_number,
        transactions.payer_id as payer_x12_id,
        transactions.trace_number,
        coalesce(transactions.payment_date, transactions.production_date) as payment_date,
        claim_level_lines.remit_line_number,
        claim_level_lines.line_control_number,
        claim_level_lines.procedure_code,
        claim_level_lines.modifiers,
        claim_level_lines.units_paid,
        claim_level_lines.service_date,
        claim_level_lines.charge_amount,
        claim_level_lines.paid_amount,
        claim_level_lines.allowed_amount,
        claim_level_lines.remark_codes,
        case when claim_level_lines.adjustment_class = 'contractual' then claim_level_lines.charge_amount else 0 end
            as contractual_amount,
        case when claim_level_lines.adjustment_class = 'patient_resp' then claim_level_lines.charge_amount else 0 end
            as patient_responsibility_amount,
        case when claim_level_lines.adjustment_class = 'denial' then claim_level_lines.charge_amount else 0 end
            as denial_amount,
        case when claim_level_lines.adjustment_class = 'unclassified' then claim_level_lines.charge_amount else 0 end
            as unclassified_amount,
        case when claim_level_lines.adjustment_class in ('denial', 'unclassified') then claim_level_lines.group_code end
            as denial_group_code,
        case
            when claim_level_lines.adjustment_class in ('denial', 'unclassified') then claim_level_lines.reason_code
        end
            as denial_carc,
        claim_level_lines.adjustment_class <> 'unclassified' as is_denial_classified,
        true as is_claim_level_answer,
        claim_level_lines.loaded_at,
        claim_level_lines.source_file_name
    from claim_level_lines
    inner join remit_claims
        on claim_level_lines.remit_claim_id = remit_claims.remit_claim_id
    inner join transactions
        on remit_claims.remit_transaction_id = transactions.remit_transaction_id

),

matched_by_control_number as (

    select
        posted.remit_line_id,
        claim_lines.claim_line_id,
        'line_control_number' as match_method
    from posted
    inner join claim_lines
        on posted.claim_id = claim_lines.claim_id and posted.line_control_number = claim_lines.line_control_number

),

matched_by_service as (

    select
        posted.remit_line_id,
        min(claim_lines.claim_line_id) as claim_line_id,
        'service_date_code_modifiers_units' as match_method
    from posted
    inner join claim_lines
        on
            posted.claim_id = claim_lines.claim_id
            and posted.service_date = claim_lines.service_date
            and posted.procedure_code = claim_lines.procedure_code
            and coalesce(posted.modifiers, '') = coalesce(claim_lines.modifiers, '')
            and abs(posted.units_paid) = claim_lines.units
    left join matched_by_control_number
        on posted.remit_line_id = matched_by_control_number.remit_line_id
    where matched_by_control_number.remit_line_id is null
    group by posted.remit_line_id

),

matches as {{ materialized_cte() }} (

    select * from matched_by_control_number
    union all
    select * from matched_by_service

),

-- The claim line each match found, with its price: joined on the narrow match rows, so the wide posted rows
-- meet a single join (cheaper than dragging them through three).
matched_claim_lines as (

    select
        matches.remit_line_id,
        matches.claim_line_id,
        matches.match_method,
        claim_lines.line_number as claim_line_number,
        claim_lines.visit_id,
        claim_lines.patient_id,
        claim_lines.location_id,
        claim_lines.payer_id,
        claim_lines.payer_name,
        claim_lines.payer_type,
        claim_lines.units as billed_units,
        priced_lines.expected_allowed_amount
    from matches
    inner join claim_lines
        on matches.claim_line_id = claim_lines.claim_line_id
    left join priced_lines
        on matches.claim_line_id = priced_lines.claim_line_id

),

final as (

    select
        posted.*,
        matched_claim_lines.claim_line_id,
        coalesce(matched_claim_lines.match_method, 'unmatched') as match_method,
        matched_claim_lines.claim_line_number,
        matched_claim_lines.visit_id,
        matched_claim_lines.patient_id,
        matched_claim_lines.location_id,
        matched_claim_lines.payer_id,
        matched_claim_lines.payer_name,
        matched_claim_lines.payer_type,
        matched_claim_lines.billed_units,
        matched_claim_lines.expected_allowed_amount
    from posted
    left join matched_claim_lines
        on posted.remit_line_id = matched_claim_lines.remit_line_id

)

select * from final
