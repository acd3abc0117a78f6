{#-
    Per incremental claim model, the claims whose inputs changed since its last build (claims_to_rebuild.sql).
    Every input of the model is listed. Inputs re-delivered whole (coverages, providers, payers) and the EHR
    rows a claim joins are compared by value with what the table holds: a claim changes only when a value the
    model took from them differs, however often they are re-delivered, and a row that fell back to an earlier
    delivery or vanished (superseded file) differs too. Seeds are covered by the orchestrator's full rebuild.
-#}

{#- int_claim_lines_submitted. Inputs and why each is covered:
    - claim headers and lines (latest primary version): claims_delivered_since_last_build();
    - visits (joined by claim id: visit, patient, location, coverage, provider): the table's visit columns per
      claim against the visits now carrying that claim id, both ways (a visit added, changed or gone);
    - coverages (payer_id by coverage_id), providers (credential_type by provider_id), int_payer_rules_resolved
      (name, type and rules by payer_id), charge lines (minutes by visit and line control number): the stored
      value against the current one;
    - remit claims (is_remitted): the stored flag against whether an 835 now answers the claim (a late remit);
    - seeds (payer type policies, assistant modifiers, CPT codes, places of service): full rebuild. -#}
{% macro changed_claims__int_claim_lines_submitted() %}
    {%- set visit_columns = 'claim_id, visit_id, patient_id, location_id, coverage_id, provider_id' -%}
    {%- set visits_now -%}
        select built.claim_id, visits.visit_id, visits.patient_id, visits.location_id, visits.coverage_id,
            visits.provider_id
        from (select distinct claim_id from {{ this }}) as built
        left join {{ ref('stg_ehr__visits') }} as visits
            on built.claim_id = visits.claim_id
    {%- endset %}
    {{ claims_delivered_since_last_build() }}
    union
    select claim_id from (
        select {{ visit_columns }} from {{ this }}
        except
        {{ visits_now }}
    ) as visit_gone_or_changed
    union
    select claim_id from (
        {{ visits_now }}
        except
        select {{ visit_columns }} from {{ this }}
    ) as visit_added_or_changed
    union
    select built.claim_id
    from {{ this }} as built
    left join {{ ref('stg_ehr__coverages') }} as coverages
        on built.coverage_id = coverages.coverage_id
    where built.payer_id is distinct from coverages.payer_id
    union
    select built.claim_id
    from {{ this }} as built
    left join {{ ref('stg_ehr__providers') }} as providers
        on built.provider_id = providers.provider_id
    where built.provider_credential_type is distinct from providers.credential_type
    union
    select built.claim_id
    from {{ this }} as built
    left join {{ ref('int_payer_rules_resolved') }} as payer_rules
        on built.payer_id = payer_rules.payer_id
    where
        built.payer_name is distinct from payer_rules.payer_name
        or built.payer_type is distinct from payer_rules.payer_type
        or built.discipline_modifier_required is distinct from payer_rules.discipline_modifier_required
        or built.unit_method is distinct from payer_rules.unit_method
        or built.requires_authorization is distinct from payer_rules.requires_authorization
    union
    select built.claim_id
    from {{ this }} as built
    left join {{ ref('stg_ehr__charge_lines') }} as charge_lines
        on
            built.visit_id = charge_lines.visit_id
            and built.line_control_number = {{ dbt.concat([
                "charge_lines.visit_id", "'-'", "cast(charge_lines.line_number as " ~ dbt.type_string() ~ ")",
            ]) }}
    where
        built.documented_minutes is distinct from charge_lines.minutes
        or built.assistant_minutes is distinct from charge_lines.assistant_minutes
    union
    select built.claim_id
    from (select distinct claim_id, is_remitted from {{ this }}) as built
    left join (select distinct claim_id from {{ ref('stg_clearinghouse__remit_claims') }}) as remitted
        on built.claim_id = remitted.claim_id
    where built.is_remitted <> (remitted.claim_id is not null)
{% endmacro %}


{#- int_claim_lines_priced. Inputs and why each is covered:
    - int_claim_lines_submitted (built just before in the same run): every column pricing reads, the priced
      table's copy against the submitted line, both ways (a line added, changed or gone); the payer type's
      assistant modifier and share come from a seed by payer_type, so payer_type stands for them;
    - the fee schedule (a contracts extract, re-delivered whole): fee_schedules_changed_since_last_build(),
      by value against the copy the last build recorded, for every line of a changed payer and code;
    - the claim payment policies seed: full rebuild. -#}
{% macro changed_claims__int_claim_lines_priced() %}
    {%- set priced_columns -%}
        claim_id, claim_line_id, line_number, payer_id, payer_type, service_date, procedure_code, modifiers, units,
        charge_amount
    {%- endset %}
    select claim_id from (
        select {{ priced_columns }} from {{ ref('int_claim_lines_submitted') }}
        except
        select {{ priced_columns }} from {{ this }}
    ) as line_added_or_changed
    union
    select claim_id from (
        select {{ priced_columns }} from {{ this }}
        except
        select {{ priced_columns }} from {{ ref('int_claim_lines_submitted') }}
    ) as line_gone_or_changed
    union
    select claim_lines.claim_id
    from {{ ref('int_claim_lines_submitted') }} as claim_lines
    inner join ({{ fee_schedules_changed_since_last_build() }}) as changed
        on claim_lines.payer_id = changed.payer_id and claim_lines.procedure_code = changed.cpt_code
{% endmacro %}


{#- The fee schedule as the model's last build priced with: a copy beside the table, written by its post-hook
    (record_fee_schedules_priced), so a change is found by value whatever the extract's delivery pattern. -#}
{% macro fee_schedules_priced_relation() -%}
    {{ return(api.Relation.create(
        database=this.database, schema=this.schema, identifier=this.identifier ~ '__fee_schedules_priced'
    )) }}
{%- endmacro %}

{% macro fee_schedule_columns() -%}
    payer_id, cpt_code, modifier, allowed_amount, effective_date, termination_date
{%- endmacro %}

{#- (payer_id, cpt_code) whose fee-schedule rows differ from the recorded copy (all of them without a copy). -#}
{% macro fee_schedules_changed_since_last_build() %}
    {%- set recorded = fee_schedules_priced_relation() -%}
    {%- if adapter.get_relation(recorded.database, recorded.schema, recorded.identifier) is none %}
    select distinct payer_id, cpt_code from {{ ref('stg_contracts__fee_schedules') }}
    {%- else %}
    select payer_id, cpt_code from (
        select {{ fee_schedule_columns() }} from {{ ref('stg_contracts__fee_schedules') }}
        except
        select {{ fee_schedule_columns() }} from {{ fee_schedules_priced_relation() }}
    ) as added_or_changed
    union
    select payer_id, cpt_code from (
        select {{ fee_schedule_columns() }} from {{ fee_schedules_priced_relation() }}
        except
        select {{ fee_schedule_columns() }} from {{ ref('stg_contracts__fee_schedules') }}
    ) as gone_or_changed
    {%- endif %}
{% endmacro %}

{#- Post-hooks of int_claim_lines_priced, in every build: record the fee schedule it priced with. -#}
{% macro record_fee_schedules_priced() -%}
    {{ return([
        "drop table if exists {{ fee_schedules_priced_relation() }}",
        "create table {{ fee_schedules_priced_relation() }} as "
            ~ "select {{ fee_schedule_columns() }} from {{ ref('stg_contracts__fee_schedules') }}",
    ]) }}
{%- endmacro %}
