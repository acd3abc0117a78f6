-- What the payer's contract says it should allow for each submitted claim line (int_claim_lines_submitted):
-- the fee schedule in force on the date of service (a modifier's row first), the payer's assistant rate, the
-- multiple-procedure payment reduction where the payer applies it, and the lesser of the charge and the fee
-- schedule: the rules are in the macro price_claim_lines, which prices unsent visits' lines the same way.
-- Incremental by claim (every input and why it is covered: changed_claims__int_claim_lines_priced in
-- macros/changed_claims.sql); the post-hooks record what this build read.
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__int_claim_lines_priced'),
        post_hook=claims_to_rebuild_post_hooks()
            + claims_changed_in_read_hooks('int_claim_lines_submitted')
            + record_input_copy_hooks('fee_schedules_priced', 'fee_schedule_rows'),
    )
}}
{{ price_claim_lines(ref('int_claim_lines_submitted'), only_claims_to_rebuild('claim_id')) }}
