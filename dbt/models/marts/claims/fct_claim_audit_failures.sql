-- Pre-submission claim audit: one row per 837P claim line and rule it fails (latest version of each
-- claim). Reference data comes from seeds (code-pair edits, unit limits, KX thresholds, telehealth
-- policies, payer rules), never from constants here. Rules and their sources: docs/domain-reference.md (Claims).
-- No rule reads the as-of date. Incremental by patient: the rules compare a patient's lines across claims (daily
-- unit limits, code pairs, one evaluation a day, the yearly KX threshold), so a change rebuilds every claim of
-- the patients it touches (the inputs and why each is covered: changed_claims__fct_claim_audit_failures in
-- macros/changed_claims.sql); the post-hooks record what this build read.
{{
    config(
        materialized='incremental',
        unique_key='claim_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('changed_claims__fct_claim_audit_failures'),
        post_hook=claims_to_rebuild_post_hooks()
            + claims_changed_in_read_hooks('int_claim_lines_submitted')
            + claims_changed_in_read_hooks('int_claim_lines_priced')
            + record_input_copy_hooks('authorizations_audited', 'audited_authorization_rows')
            + record_input_copy_hooks('enrollments_audited', 'audited_enrollment_rows'),
    )
}}
{% set distinct_modifiers = ['59', 'XE', 'XS', 'XP', 'XU'] %}
with

submitted_lines as (

    select * from {{ ref('int_claim_lines_submitted') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

priced_lines as (

    select * from {{ ref('int_claim_lines_priced') }}
    where {{ only_claims_to_rebuild('claim_id') }}

),

-- Each line with what its contract allows (int_claim_lines_priced), the amount every claims dollar uses.
lines as (

    select
        submitted_lines.*,
        priced_lines.expected_allowed_amount
    from submitted_lines
    left join priced_lines
        on submitted_lines.claim_line_id = priced_lines.claim_line_id

),

authorizations as (

    select * from {{ ref('stg_ehr__authorizations') }}

),

providers as (

    select * from {{ ref('stg_ehr__providers') }}

),

enrollments as (

    select * from {{ ref('stg_credentialing__payer_enrollments') }}

),

code_pair_edits as (

    select * from {{ ref('claim_code_pair_edits') }}

),

unit_limits as (

    select * from {{ ref('claim_unit_limits') }}

),

kx_thresholds as (

    select * from {{ ref('claim_kx_thresholds') }}

),

telehealth_policies as (

    select * from {{ ref('claim_telehealth_policies') }}

),

modded as (

    select
        lines.*,
        coalesce(lines.modifiers, '') as modifier_list
    from lines

),

-- The plan-of-care modifier of the line's discipline (ot_cpt_codes.discipline_modifier: GO for OT codes,
-- GN for the SLP-delivered 92526/92610): missing where the payer requires it, or another discipline's.
discipline_modifier as (

    select
        claim_line_id,
        'discipline_modifier' as rule_name,
        case
            when {{ pipe_list_contains('modifier_list', "'GP'") }}
                then {{ dbt.concat([
                    "'GP is the physical therapy modifier; this line takes '",
                    "expected_discipline_modifier"
                ]) }}
            when expected_discipline_modifier = 'GN' and {{ pipe_list_contains('modifier_list', "'GO'") }}
                then {{ dbt.concat([
                    "procedure_code",
                    "' is delivered under the speech-language pathology plan of care: GN, not GO'"
                ]) }}
            when expected_discipline_modifier = 'GO' and {{ pipe_list_contains('modifier_list', "'GN'") }}
                then {{ dbt.concat([
                    "procedure_code",
                    "' is delivered under the occupational therapy plan of care: GO, not GN'"
                ]) }}
            else {{ dbt.concat([
                "'The payer requires the '",
                "expected_discipline_modifier",
                "' (plan of care) modifier on this line; it is missing'"
            ]) }}
        end as failure_detail,
        case
            when {{ pipe_list_contains('modifier_list', "'GP'") }}
                then {{ dbt.concat(["'Replace GP with '", "expected_discipline_modifier"]) }}
            when expected_discipline_modifier = 'GN' and {{ pipe_list_contains('modifier_list', "'GO'") }}
                then 'Replace GO with GN'
            when expected_discipline_modifier = 'GO' and {{ pipe_list_contains('modifier_list', "'GN'") }}
                then 'Replace GN with GO'
            else {{ dbt.concat(["'Add modifier '", "expected_discipline_modifier"]) }}
        end as fix
    from modded
    where
        {{ pipe_list_contains('modifier_list', "'GP'") }}
        or (expected_discipline_modifier = 'GN' and {{ pipe_list_contains('modifier_list', "'GO'") }})
        or (expected_discipline_modifier = 'GO' and {{ pipe_list_contains('modifier_list', "'GN'") }})
        or (
            discipline_modifier_required
            and not {{ pipe_list_contains('modifier_list', 'expected_discipline_modifier') }}
        )

),

-- Assistant modifier, decided per line from minutes: an occupational therapy assistant who furnished more
-- than 10% of the line independently requires the payer's assistant modifier (claim_assistant_modifiers;
-- Medicare: CO), whoever rendered the claim. A line rendered by an assistant with no minutes recorded counts
-- as furnished by the assistant. Removing CO is only suggested when the recorded minutes show 10% or less,
-- never because the rendering provider is an OT. A payer whose assistant letters are unknown gets no advice
-- on which to add, only that CO is not its modifier.
assistant_lines as (

    select
        modded.*,
        case
            when assistant_minutes is not null then assistant_minutes * 10 > documented_minutes
            else provider_credential_type = 'COTA'
        end as assistant_over_de_minimis,
        {{ pipe_list_contains('modifier_list', "'CO'") }} as has_co
    from modded

),

-- CO is decided per billed unit: an assistant who furnished more than 10% of it independently needs CO
-- even on a line billed under the supervising OTR (docs/domain-reference.md 0), so CO on an OTR's line is
-- never flagged for removal.
assistant_modifier as (

    select
        claim_line_id,
        'assistant_modifier' as rule_name,
        case
            when has_co and coalesce(payer_assistant_modifier, '') <> 'CO'
                then 'This payer does not take CO for assistant services; it has its own assistant modifier'
            when assistant_over_de_minimis and assistant_minutes is not null
                then {{ dbt.concat([
                    "'An occupational therapy assistant furnished '", "cast(assistant_minutes as " ~ dbt.type_string() ~ ")",
                    "' of '", "cast(documented_minutes as " ~ dbt.type_string() ~ ")",
                    "' minutes (more than 10%) without modifier '", "payer_assistant_modifier"]) }}
            when assistant_over_de_minimis
                then {{ dbt.concat([
                    "'Furnished by an occupational therapy assistant without modifier '",
                    "payer_assistant_modifier"
                ]) }}
            else {{ dbt.concat([
                    "'The assistant furnished '", "cast(assistant_minutes as " ~ dbt.type_string() ~ ")",
                    "' of '", "cast(documented_minutes as " ~ dbt.type_string() ~ ")",
                    "' minutes (10% or less): CO is not required'"]) }}
        end as failure_detail,
        case
            when has_co and payer_assistant_modifier is null
                then 'Replace CO with the payer''s assistant modifier (record it in claim_assistant_modifiers)'
            when has_co and payer_assistant_modifier <> 'CO'
                then {{ dbt.concat(["'Replace CO with '", "payer_assistant_modifier"]) }}
            when assistant_over_de_minimis then {{ dbt.concat(["'Add modifier '", "payer_assistant_modifier"]) }}
            else 'Remove CO only if the note confirms the assistant''s minutes'
        end as fix
    from assistant_lines
    where
        (has_co and coalesce(payer_assistant_modifier, '') <> 'CO')
        or (
            assistant_over_de_minimis
            and payer_assistant_modifier is not null
            and not {{ pipe_list_contains('modifier_list', 'payer_assistant_modifier') }}
        )
        or (
            has_co and payer_assistant_modifier = 'CO'
            and assistant_minutes is not null and not assistant_over_de_minimis
        )

),

year_to_date as (

    select
        modded.*,
        extract(year from service_date) as service_year,
        sum(coalesce(expected_allowed_amount, 0)) over (
            partition by patient_id, payer_id, extract(year from service_date)
            order by service_date
        ) as allowed_year_to_date
    from modded
    where kx_threshold_applies

),

kx_modifier as (

    select
        year_to_date.claim_line_id,
        'kx_modifier' as rule_name,
        'The patient''s OT allowed amount this year reaches '
        || cast(year_to_date.allowed_year_to_date as {{ dbt.type_string() }})
        || ' with this date of service, past the ' || cast(kx_thresholds.threshold_amount as {{ dbt.type_string() }})
        || ' threshold: lines without KX are denied' as failure_detail,
        'Add modifier KX (the documentation must support medical necessity)' as fix
    from year_to_date
    inner join kx_thresholds
        on year_to_date.service_year = kx_thresholds.calendar_year and kx_thresholds.discipline = 'OT'
    where
        year_to_date.allowed_year_to_date > kx_thresholds.threshold_amount
        and not {{ pipe_list_contains('year_to_date.modifier_list', "'KX'") }}

),

-- The units each timed line's documented minutes support: the 8-minute rule over the patient's day per
-- discipline, or per code, by payer (macro supported_units_ctes).
{{ supported_units_ctes('modded') }},

units_exceed_minutes as (

    select
        claim_line_id,
        'units_exceed_minutes' as rule_name,
        'Bills ' || cast(units as {{ dbt.type_string() }}) || ' units; the documented '
        || cast(documented_minutes as {{ dbt.type_string() }}) || ' minutes support '
        || cast(supported_units as {{ dbt.type_string() }})
        || case
            when unit_method = 'per_code' then ' counting this code on its own (payer rule per_code)'
            else ' under the CMS 8-minute rule (total timed minutes of the visit)'
        end as failure_detail,
        'Bill ' || cast(supported_units as {{ dbt.type_string() }}) || ' units' as fix
    from timed_supported
    where units > supported_units

),

-- Under-billing: the documented minutes support more units than were billed (money left on the table).
units_below_minutes as (

    select
        claim_line_id,
        'units_below_minutes' as rule_name,
        'Bills ' || cast(units as {{ dbt.type_string() }}) || ' units; the documented '
        || cast(documented_minutes as {{ dbt.type_string() }}) || ' minutes support '
        || cast(supported_units as {{ dbt.type_string() }}) as failure_detail,
        'Bill ' || cast(supported_units as {{ dbt.type_string() }}) || ' units if the note confirms the minutes' as fix
    from timed_supported
    where units < supported_units

),

-- A timed line whose control number links to no documented charge line (<visit_id>-<line_number>) cannot
-- be checked against the 8-minute rule: reported, never skipped.
minutes_not_linked as (

    select
        claim_line_id,
        'minutes_not_linked' as rule_name,
        'No documented minutes for this timed line: its control number (REF*6R) '
        || coalesce(line_control_number, '(none)') || ' matches no charge line of the visit' as failure_detail,
        'Send the line with the control number <visit_id>-<line_number> of its charge line' as fix
    from modded
    where is_timed and documented_minutes is null

),

daily_units as (

    select
        modded.claim_line_id,
        modded.procedure_code,
        sum(modded.units)
            over (partition by modded.patient_id, modded.service_date, modded.procedure_code)
            as units_that_day,
        unit_limits.max_units_per_day
    from modded
    inner join unit_limits
        on
            modded.procedure_code = unit_limits.cpt_code
            and modded.service_date >= unit_limits.effective_from
            and (unit_limits.effective_to is null or modded.service_date <= unit_limits.effective_to)

),

units_exceed_daily_limit as (

    select
        claim_line_id,
        'units_exceed_daily_limit' as rule_name,
        cast(units_that_day as {{ dbt.type_string() }})
        || ' units of '
        || procedure_code
        || ' on one day; the limit is '
        || cast(max_units_per_day as {{ dbt.type_string() }}) as failure_detail,
        'Reduce to ' || cast(max_units_per_day as {{ dbt.type_string() }}) || ' units or document the exception' as fix
    from daily_units
    where units_that_day > max_units_per_day

),

code_pair_hits as (

    select
        column_2.claim_line_id,
        min(code_pair_edits.modifier_indicator) as modifier_indicator,
        min(column_1.procedure_code) as column_1_code,
        min(column_2.procedure_code) as column_2_code
    from modded as column_2
    inner join code_pair_edits
        on
            column_2.procedure_code = code_pair_edits.column_2_code
            and column_2.service_date >= code_pair_edits.effective_from
            and (code_pair_edits.effective_to is null or column_2.service_date <= code_pair_edits.effective_to)
    inner join modded as column_1
        on
            column_2.patient_id = column_1.patient_id
            and column_2.service_date = column_1.service_date
            and code_pair_edits.column_1_code = column_1.procedure_code
    where
        code_pair_edits.modifier_indicator = '0'
        or not (
            {%- for m in distinct_modifiers %}
            {{ pipe_list_contains('column_2.modifier_list', "'" ~ m ~ "'") }}{{ ' or' if not loop.last }}
            {%- endfor %}
        )
    group by column_2.claim_line_id

),

code_pair_without_modifier as (

    select
        claim_line_id,
        'code_pair_without_modifier' as rule_name,
        column_2_code || ' is the column-2 code of an NCCI pair with ' || column_1_code || ' on the same day'
        || case
            when modifier_indicator = '0' then ': the pair can never be billed together'
            else ' and has no 59/XU modifier'
        end as failure_detail,
        case
            when modifier_indicator = '0' then 'Remove ' || column_2_code
            else
                'Add 59 or XU to '
                || column_2_code
                || ' if the services were in separate 15-minute time blocks; otherwise do not bill it'
        end as fix
    from code_pair_hits

),

evaluations as (

    select
        claim_line_id,
        procedure_code,
        row_number() over (partition by patient_id, service_date order by claim_id, line_number) as evaluation_rank
    from modded
    where is_evaluation

),

one_evaluation_per_day as (

    select
        claim_line_id,
        'one_evaluation_per_day' as rule_name,
        'A second OT evaluation or re-evaluation for the same patient on the same day ('
        || procedure_code
        || ')' as failure_detail,
        'Bill one evaluation code for the day; remove ' || procedure_code as fix
    from evaluations
    where evaluation_rank > 1

),

add_on_without_primary as (

    select
        add_on.claim_line_id,
        'add_on_without_primary' as rule_name,
        'Add-on code ' || add_on.procedure_code || ' billed without its primary code ' || add_on.primary_code_for_add_on
        || ' on the same day (RARC N122)' as failure_detail,
        'Bill ' || add_on.primary_code_for_add_on || ' for the first unit, or correct the code' as fix
    from modded as add_on
    left join modded as primary_line
        on
            add_on.patient_id = primary_line.patient_id
            and add_on.service_date = primary_line.service_date
            and add_on.primary_code_for_add_on = primary_line.procedure_code
    where add_on.is_add_on and primary_line.claim_line_id is null

),

authorization_candidates as (

    select
        modded.claim_line_id,
        authorizations.authorization_id,
        authorizations.status,
        authorizations.start_date,
        authorizations.end_date,
        authorizations.cpt_codes,
        replace(authorizations.diagnosis_codes, '.', '') as authorization_diagnosis_codes,
        row_number() over (
            partition by modded.claim_line_id
            order by
                case
                    when
                        authorizations.status = 'approved'
                        and modded.service_date between authorizations.start_date and authorizations.end_date then 0
                    else 1
                end,
                authorizations.end_date desc
        ) as candidate_rank
    from modded
    inner join authorizations
        on
            modded.patient_id = authorizations.patient_id
            and modded.authorization_number = authorizations.authorization_number

),

-- The patient's approved authorization in force on the date of service for the line's code, whatever
-- number the claim carries: the fix names it (macro service_authorization_cte).
{{ service_authorization_cte('modded', 'authorizations') }},

authorization_checked as (

    select
        modded.*,
        authorization_for_service.service_authorization_number,
        authorization_for_service.service_authorization_start_date,
        authorization_for_service.service_authorization_end_date,
        authorization_candidates.authorization_diagnosis_codes,
        case
            when modded.authorization_number is null then 'missing'
            when authorization_candidates.claim_line_id is null then 'not_found'
            when authorization_candidates.status <> 'approved' then 'not_approved'
            when modded.service_date < authorization_candidates.start_date then 'not_started'
            when modded.service_date > authorization_candidates.end_date then 'ended'
            when
                not {{ pipe_list_contains('authorization_candidates.cpt_codes', 'modded.procedure_code') }}
                then 'cpt_not_covered'
            else 'active'
        end as authorization_status
    from modded
    left join authorization_candidates
        on modded.claim_line_id = authorization_candidates.claim_line_id and authorization_candidates.candidate_rank = 1
    left join authorization_for_service
        on modded.claim_line_id = authorization_for_service.claim_line_id
    where modded.requires_authorization and not modded.is_evaluation

),

authorization_not_active as (

    select
        claim_line_id,
        'authorization_not_active' as rule_name,
        case authorization_status
            when 'missing' then 'No prior authorization number (REF*G1) on a payer that requires one'
            when 'not_found' then 'The authorization number on the claim matches no authorization of this patient'
            when 'not_approved' then 'The authorization on the claim is not approved'
            when 'not_started' then 'The date of service is before the authorization starts'
            when 'ended' then 'The date of service is after the authorization ended'
            else 'The authorization does not cover ' || procedure_code
        end as failure_detail,
        case
            when service_authorization_number is not null
                then
                    'Use authorization ' || service_authorization_number || ', approved for ' || procedure_code
                    || ' from '
                    || cast(service_authorization_start_date as {{ dbt.type_string() }}) || ' to '
                    || cast(service_authorization_end_date as {{ dbt.type_string() }})
            when authorization_status = 'missing'
                then 'No authorization covers this date and code: request a retro-authorization'
            when authorization_status = 'not_found' then 'Correct the authorization number'
            when authorization_status = 'cpt_not_covered'
                then 'Request the code be added to the authorization, or correct the code'
            else 'Request a retro-authorization or an extension before submitting'
        end as fix
    from authorization_checked
    where authorization_status <> 'active'

),

diagnosis_not_on_authorization as (

    select
        claim_line_id,
        'diagnosis_not_on_authorization' as rule_name,
        'Principal diagnosis '
        || coalesce(principal_diagnosis_code, '(none)')
        || ' is not among the authorization''s diagnoses '
        || replace(authorization_diagnosis_codes, '|', ', ') as failure_detail,
        'Use the diagnosis the authorization was approved for, or have the authorization updated' as fix
    from authorization_checked
    where
        authorization_status = 'active'
        and (
            principal_diagnosis_code is null
            or not {{ pipe_list_contains('authorization_diagnosis_codes', 'principal_diagnosis_code') }}
        )

),

-- The NPI check digit once per rendering NPI (there are few providers), not once per line.
rendering_npis as (

    select
        rendering_npi,
        {{ npi_is_valid('rendering_npi') }} as is_npi_valid
    from (select distinct rendering_npi from modded) as distinct_npis

),

rendering_npi_invalid as (

    select
        modded.claim_line_id,
        'rendering_npi_invalid' as rule_name,
        'The rendering NPI fails the NPI check digit (or is not ten digits starting with 1 or 2)' as failure_detail,
        'Correct the rendering provider NPI (2310B)' as fix
    from modded
    left join rendering_npis
        on modded.rendering_npi = rendering_npis.rendering_npi
    -- a line without a rendering NPI matches no row: invalid, as npi_is_valid says of a null
    where not coalesce(rendering_npis.is_npi_valid, false)

),

enrolled_on_date as (

    select distinct modded.claim_line_id
    from modded
    inner join providers
        on modded.rendering_npi = providers.npi
    inner join enrollments
        on
            providers.provider_id = enrollments.provider_id
            and modded.payer_id = enrollments.payer_id
            and enrollments.status = 'enrolled'
            and modded.service_date >= enrollments.effective_date
            and (enrollments.termination_date is null or modded.service_date <= enrollments.termination_date)

),

rendering_not_enrolled as (

    select
        modded.claim_line_id,
        'rendering_not_enrolled' as rule_name,
        'The rendering NPI is not enrolled with ' || coalesce(modded.payer_name, modded.payer_id, 'the payer')
        || ' on the date of service' as failure_detail,
        -- the same rule as the enrollment hold notice: a date before the effective date is never released by it
        'Hold the claim: a date of service before the enrollment''s effective date (or under a pending enrollment) '
        || 'stays unbillable when that date comes, unless the payer grants a retroactive effective date covering it; '
        || 'if an enrolled therapist rendered the service, bill under that provider' as fix
    from modded
    left join rendering_npis
        on modded.rendering_npi = rendering_npis.rendering_npi
    left join enrolled_on_date
        on modded.claim_line_id = enrolled_on_date.claim_line_id
    where coalesce(rendering_npis.is_npi_valid, false) and enrolled_on_date.claim_line_id is null

),

telehealth_checked as (

    select
        modded.claim_line_id,
        modded.place_of_service,
        modded.modifier_list,
        telehealth_policies.telehealth_covered,
        telehealth_policies.required_modifier
    from modded
    left join telehealth_policies
        on
            modded.payer_type = telehealth_policies.payer_type
            and modded.service_date >= telehealth_policies.effective_from
            and (telehealth_policies.effective_to is null or modded.service_date <= telehealth_policies.effective_to)
    where modded.is_telehealth_place_of_service

),

telehealth_place_of_service as (

    select
        claim_line_id,
        'telehealth_place_of_service' as rule_name,
        case
            when coalesce(telehealth_covered, false) = false
                then
                    'Telehealth place of service '
                    || place_of_service
                    || ' on a date the payer does not cover OT telehealth'
            else
                'Telehealth place of service '
                || place_of_service
                || ' without the payer''s modifier '
                || required_modifier
        end as failure_detail,
        case
            when coalesce(telehealth_covered, false) = false
                then 'Confirm where the visit happened: bill the in-person place of service, or hold the claim'
            else 'Add modifier ' || required_modifier
        end as fix
    from telehealth_checked
    where
        coalesce(telehealth_covered, false) = false
        or (required_modifier is not null and not {{ pipe_list_contains('modifier_list', 'required_modifier') }})

),

failures as (

    select * from discipline_modifier
    union all
    select * from assistant_modifier
    union all
    select * from kx_modifier
    union all
    select * from units_exceed_minutes
    union all
    select * from units_below_minutes
    union all
    select * from minutes_not_linked
    union all
    select * from units_exceed_daily_limit
    union all
    select * from code_pair_without_modifier
    union all
    select * from one_evaluation_per_day
    union all
    select * from add_on_without_primary
    union all
    select * from authorization_not_active
    union all
    select * from diagnosis_not_on_authorization
    union all
    select * from rendering_npi_invalid
    union all
    select * from rendering_not_enrolled
    union all
    select * from telehealth_place_of_service

),

final as (

    select
        {{ dbt.hash(dbt.concat(["failures.rule_name", "':1:'", "lines.claim_id", "':'",
            "cast(lines.line_number as " ~ dbt.type_string() ~ ")"])) }} as audit_failure_id,
        failures.rule_name,
        '1' as rule_version,
        lines.claim_id,
        lines.line_number,
        lines.claim_line_id,
        lines.visit_id,
        lines.patient_id,
        lines.location_id,
        lines.payer_id,
        lines.payer_name,
        lines.provider_id,
        lines.service_date,
        lines.procedure_code,
        lines.modifiers,
        lines.units,
        lines.charge_amount,
        lines.expected_allowed_amount,
        lines.place_of_service,
        lines.claim_frequency_code,
        lines.is_remitted,
        failures.failure_detail,
        failures.fix,
        lines.source_file_name
    from failures
    inner join lines
        on failures.claim_line_id = lines.claim_line_id

)

select * from final
