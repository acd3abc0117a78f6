-- The latest delivered 837P version of each claim (CLM01) to its primary payer, one row per service line,
-- with what the audit rules need from the EHR (visit, patient, provider, documented minutes), the payer's
-- rules and the reference seeds. A replacement (frequency 7) delivered later supersedes the original; a
-- claim to a secondary payer (SBR01 = S) is not a version of the primary claim. What the contract allows for
-- a line is int_claim_lines_priced: the one amount every claims dollar uses.
-- Incremental by claim: a run on a built table recomputes only the claims whose inputs changed (every input
-- and why it is covered: changed_claims__int_claim_lines_submitted in macros/changed_claims.sql).
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__int_claim_lines_submitted'),
        post_hook=claims_to_rebuild_post_hooks(),
    )
}}
with

claim_headers as (

    select * from {{ ref('stg_clearinghouse__claim_headers') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

claim_lines as (

    select * from {{ ref('stg_clearinghouse__claim_lines') }}

),

visits as (

    select * from {{ ref('stg_ehr__visits') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

charge_lines as (

    select * from {{ ref('stg_ehr__charge_lines') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

payer_type_policies as (

    select * from {{ ref('claim_payer_type_policies') }}

),

assistant_modifiers as (

    select * from {{ ref('claim_assistant_modifiers') }}

),

cpt_codes as (

    select * from {{ ref('ot_cpt_codes') }}

),

place_of_service_codes as (

    select * from {{ ref('place_of_service_codes') }}

),

remit_claims as (

    select * from {{ ref('stg_clearinghouse__remit_claims') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

latest_claims as (

    select *
    from (
        select
            claim_headers.*,
            row_number() over (
                partition by claim_id
                order by loaded_at desc, source_file_name desc, segment_position desc
            ) as version_rank
        from claim_headers
        where coalesce(payer_sequence, 'P') = 'P'
    ) as ranked
    where version_rank = 1

),

remitted_claim_ids as (

    select distinct claim_id
    from remit_claims

),

lines_with_visits as (

    select
        claim_lines.claim_line_id,
        claim_lines.claim_record_id,
        latest_claims.claim_id,
        claim_lines.line_number,
        claim_lines.procedure_code,
        claim_lines.modifiers,
        claim_lines.charge_amount,
        cast(claim_lines.units as integer) as units,
        claim_lines.service_date,
        claim_lines.line_control_number,
        coalesce(claim_lines.place_of_service, latest_claims.place_of_service) as place_of_service,
        coalesce(claim_lines.authorization_number, latest_claims.authorization_number) as authorization_number,
        coalesce(claim_lines.rendering_npi, latest_claims.rendering_npi) as rendering_npi,
        latest_claims.diagnosis_codes,
        latest_claims.claim_frequency_code,
        latest_claims.payer_claim_control_number,
        latest_claims.total_charge_amount as claim_charge_amount,
        latest_claims.source_file_name,
        latest_claims.loaded_at,
        visits.visit_id,
        visits.patient_id,
        visits.location_id,
        visits.coverage_id,
        visits.provider_id,
        coverages.payer_id
    from claim_lines
    inner join latest_claims
        on claim_lines.claim_record_id = latest_claims.claim_record_id
    left join visits
        on latest_claims.claim_id = visits.claim_id
    left join coverages
        on visits.coverage_id = coverages.coverage_id

),

final as (

    select
        lines_with_visits.*,
        {{ dbt.split_part("lines_with_visits.diagnosis_codes", "'|'", 1) }} as principal_diagnosis_code,
        payer_rules.payer_name,
        payer_rules.payer_type,
        payer_rules.discipline_modifier_required,
        payer_rules.unit_method,
        payer_rules.requires_authorization,
        coalesce(payer_type_policies.kx_threshold_applies, false) as kx_threshold_applies,
        assistant_modifiers.assistant_modifier as payer_assistant_modifier,
        assistant_modifiers.assistant_payment_percent,
        charge_lines.assistant_minutes,
        providers.credential_type as provider_credential_type,
        charge_lines.minutes as documented_minutes,
        coalesce(cpt_codes.is_timed, false) as is_timed,
        coalesce(cpt_codes.is_evaluation, false) as is_evaluation,
        coalesce(cpt_codes.is_add_on, false) as is_add_on,
        cpt_codes.primary_code_for_add_on,
        coalesce(cpt_codes.discipline_modifier, 'GO') as expected_discipline_modifier,
        coalesce(place_of_service_codes.is_telehealth, false) as is_telehealth_place_of_service,
        remitted_claim_ids.claim_id is not null as is_remitted
    from lines_with_visits
    left join payer_rules
        on lines_with_visits.payer_id = payer_rules.payer_id
    left join payer_type_policies
        on payer_rules.payer_type = payer_type_policies.payer_type
    left join assistant_modifiers
        on payer_rules.payer_type = assistant_modifiers.payer_type
    left join providers
        on lines_with_visits.provider_id = providers.provider_id
    left join charge_lines
        on
            lines_with_visits.visit_id = charge_lines.visit_id
            and lines_with_visits.line_control_number = {{ dbt.concat([
                "charge_lines.visit_id", "'-'", "cast(charge_lines.line_number as " ~ dbt.type_string() ~ ")",
            ]) }}
    left join cpt_codes
        on lines_with_visits.procedure_code = cpt_codes.cpt_code
    left join place_of_service_codes
        on lines_with_visits.place_of_service = place_of_service_codes.place_of_service
    left join remitted_claim_ids
        on lines_with_visits.claim_id = remitted_claim_ids.claim_id

)

select * from final
