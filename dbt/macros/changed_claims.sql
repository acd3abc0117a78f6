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
    - int_claim_lines_submitted (every column pricing reads; the payer type's assistant modifier and share come
      from a seed by payer_type), incremental by claim and logging the claims it rebuilt: claims_changed_in();
    - the fee schedule (a contracts extract, re-delivered whole): by value against the copy the last build
      priced with (rows_changed_since_copy), for every line of a changed payer and code;
    - the claim payment policies seed: full rebuild. -#}
{% macro changed_claims__int_claim_lines_priced() %}
    {{ claims_changed_in(ref('int_claim_lines_submitted')) }}
    union
    select claim_lines.claim_id
    from {{ ref('int_claim_lines_submitted') }} as claim_lines
    inner join ({{ rows_changed_since_copy('fee_schedules_priced', fee_schedule_rows(), ['payer_id', 'cpt_code']) }}) as changed
        on claim_lines.payer_id = changed.payer_id and claim_lines.procedure_code = changed.cpt_code
{% endmacro %}


{#- The fee schedule's rows as pricing reads them. -#}
{% macro fee_schedule_rows() -%}
    select payer_id, cpt_code, modifier, allowed_amount, effective_date, termination_date
    from {{ ref('stg_contracts__fee_schedules') }}
{%- endmacro %}


{#- An input as the model's last build read it: a copy (`<model>__<name>`, in the schema of the claim-change logs,
    which publish never copies), written by the model's post-hooks in every build, so a change is found by value
    (an added, changed or removed row) whatever the input's delivery pattern. For inputs that are not keyed by the
    model's claims, or whose values the table does not keep. -#}
{% macro input_copy_relation(name) -%}
    {{ return(api.Relation.create(database=this.database, schema=incremental_state_schema(),
        identifier=this.identifier ~ '__' ~ name)) }}
{%- endmacro %}

{#- key_columns of the rows of `rows_sql` that differ from the copy, both ways (every key without a copy). -#}
{% macro rows_changed_since_copy(name, rows_sql, key_columns) %}
    {%- set copy = input_copy_relation(name) -%}
    {%- set keys = key_columns | join(', ') -%}
    {%- if adapter.get_relation(copy.database, copy.schema, copy.identifier) is none %}
    select distinct {{ keys }} from ({{ rows_sql }}) as current_rows
    {%- else %}
    select {{ keys }} from (
        {{ rows_sql }}
        except
        select * from {{ copy }}
    ) as added_or_changed
    union
    select {{ keys }} from (
        select * from {{ copy }}
        except
        {{ rows_sql }}
    ) as removed_or_changed
    {%- endif %}
{% endmacro %}

{#- The post-hooks writing the copy: [its schema, drop the last one, copy the input as this build read it]. -#}
{% macro record_input_copy_hooks(name, rows_macro) -%}
    {{ return([
        "create schema if not exists {{ incremental_state_schema() }}",
        "drop table if exists {{ input_copy_relation('" ~ name ~ "') }}",
        "create table {{ input_copy_relation('" ~ name ~ "') }} as {{ " ~ rows_macro ~ "() }}",
    ]) }}
{%- endmacro %}


{#- int_remit_lines_posted (keyed by the claim id the 835 answers, CLP01). Inputs and why each is covered (every
    load-time rule compares with the newest row the table holds: a row loaded before the last build is no newer):
    - remit claims, lines and adjustments: claims of those loaded since, and of 835 files superseded since (their
      rows fall back to an earlier delivery or vanish);
    - int_remit_transactions_deduplicated: a transaction stops or starts being a duplicate only when a delivery
      of the same ERA is superseded, so the claims of every transaction sharing the ERA keys (ISA06, ISA13,
      GS06, ST02, TRN02) with a transaction of a superseded file; and the table's transaction columns against
      the posted transaction;
    - int_claim_lines_submitted and int_claim_lines_priced (the lines a remit is matched to, what the EHR and the
      price add to them): a remit's lines are matched among the lines of the claim it answers (CLP01 = CLM01),
      and both models are incremental by that claim and log the claims they rebuilt: claims_changed_in() of each;
    - the CARC seed: full rebuild. -#}
{% macro changed_claims__int_remit_lines_posted() %}
    {%- set newest_built -%}
        (select coalesce(max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
    {%- endset %}
    {%- set era_keys = ['interchange_sender_id', 'interchange_control_number', 'group_control_number',
        'transaction_control_number', 'trace_number'] %}
    select claim_id
    from {{ ref('stg_clearinghouse__remit_claims') }}
    where loaded_at > {{ newest_built }}
    union
    select remit_claims.claim_id
    from {{ ref('stg_clearinghouse__remit_lines') }} as remit_lines
    inner join {{ ref('stg_clearinghouse__remit_claims') }} as remit_claims
        on remit_lines.remit_claim_id = remit_claims.remit_claim_id
    where remit_lines.loaded_at > {{ newest_built }}
    union
    select remit_claims.claim_id
    from {{ ref('stg_clearinghouse__remit_adjustments') }} as adjustments
    inner join {{ ref('stg_clearinghouse__remit_claims') }} as remit_claims
        on adjustments.remit_claim_id = remit_claims.remit_claim_id
    where adjustments.loaded_at > {{ newest_built }}
    union
    select raw_claims.claim_id
    from {{ source('raw_clearinghouse', 'remit_claims') }} as raw_claims
    inner join {{ source('ingest', 'file_supersessions') }} as supersessions
        on raw_claims._file_sha256 = supersessions.superseded_sha256
    where supersessions.recorded_at > {{ newest_built }}
    union
    select remit_claims.claim_id
    from {{ source('raw_clearinghouse', 'remit_transactions') }} as superseded
    inner join {{ source('ingest', 'file_supersessions') }} as supersessions
        on superseded._file_sha256 = supersessions.superseded_sha256
    inner join {{ ref('int_remit_transactions_deduplicated') }} as same_era
        on
            {%- for key in era_keys %}
            {{ 'and ' if not loop.first }}coalesce(same_era.{{ key }}, '') = coalesce(superseded.{{ key }}, '')
            {%- endfor %}
    inner join {{ ref('stg_clearinghouse__remit_claims') }} as remit_claims
        on same_era.remit_transaction_id = remit_claims.remit_transaction_id
    where supersessions.recorded_at > {{ newest_built }}
    union
    select built.claim_id
    from {{ this }} as built
    left join {{ ref('int_remit_transactions_deduplicated') }} as transactions
        on built.remit_transaction_id = transactions.remit_transaction_id
    where
        transactions.remit_transaction_id is null
        or transactions.is_duplicate_delivery
        or built.payer_x12_id is distinct from transactions.payer_id
        or built.trace_number is distinct from transactions.trace_number
        or built.payment_date is distinct from coalesce(transactions.payment_date, transactions.production_date)
    union
    {{ claims_changed_in(ref('int_claim_lines_submitted')) }}
    union
    {{ claims_changed_in(ref('int_claim_lines_priced')) }}
{% endmacro %}


{#- fct_remit_line_positions. Its one input, int_remit_lines_posted, is incremental by the same claim and logs the
    claims it rebuilt: claims_changed_in(). -#}
{% macro changed_claims__fct_remit_line_positions() %}
    {{ claims_changed_in(ref('int_remit_lines_posted')) }}
{% endmacro %}


{#- fct_underpayments. Its inputs, fct_remit_line_positions (a line's latest answer) and int_claim_lines_priced (what
    the contract allows), are incremental by the same claim and log the claims they rebuilt: claims_changed_in() of
    each. -#}
{% macro changed_claims__fct_underpayments() %}
    {{ claims_changed_in(ref('fct_remit_line_positions')) }}
    union
    {{ claims_changed_in(ref('int_claim_lines_priced')) }}
{% endmacro %}


{#- fct_claim_audit_failures, incremental by patient: its rules compare a patient's lines across claims, so a change
    rebuilds every claim of each patient it touches (the patient's id in the current lines and in the table: a claim
    that moved to another patient rebuilds both). Inputs and why each is covered:
    - int_claim_lines_submitted and int_claim_lines_priced (every line value the rules read, the expected allowed
      amount the KX threshold adds up), incremental by claim and logging the claims they rebuilt:
      claims_changed_in() of each;
    - authorizations (the number on the claim, the one in force for the service): by value against the copy the
      last build read, every claim of a patient whose authorization rows changed;
    - providers and payer enrollments (who is enrolled with which payer when, by rendering NPI): by value against
      the copy, every claim of a patient with a line rendered under an NPI whose enrollment rows changed;
    - seeds (code pairs, unit limits, KX thresholds, telehealth policies, assistant modifiers): full rebuild. -#}
{% macro changed_claims__fct_claim_audit_failures() %}
    {%- set lines = ref('int_claim_lines_submitted') %}
    select claim_id from (
        with changed_claims as (
            {{ claims_changed_in(ref('int_claim_lines_submitted')) }}
            union
            {{ claims_changed_in(ref('int_claim_lines_priced')) }}
        ),

        changed_patients as (
            select patient_id from {{ lines }} where claim_id in (select claim_id from changed_claims)
            union
            select patient_id from {{ this }} where claim_id in (select claim_id from changed_claims)
            union
            select patient_id from (
                {{ rows_changed_since_copy('authorizations_audited', audited_authorization_rows(), ['patient_id']) }}
            ) as authorizations_changed
            union
            select lines.patient_id
            from {{ lines }} as lines
            inner join (
                {{ rows_changed_since_copy('enrollments_audited', audited_enrollment_rows(), ['npi']) }}
            ) as enrollments_changed
                on lines.rendering_npi = enrollments_changed.npi
        )

        select claim_id from changed_claims
        union
        select lines.claim_id
        from {{ lines }} as lines
        inner join changed_patients on lines.patient_id = changed_patients.patient_id
        union
        select built.claim_id
        from {{ this }} as built
        inner join changed_patients on built.patient_id = changed_patients.patient_id
        union
        -- lines without a patient share their windows with every other such line (an equality join, not
        -- "is not distinct from", which a server warehouse cannot hash)
        select claim_id from {{ lines }}
        where patient_id is null and exists (select 1 from changed_patients where patient_id is null)
        union
        select claim_id from {{ this }}
        where patient_id is null and exists (select 1 from changed_patients where patient_id is null)
    ) as claims_of_changed_patients
{% endmacro %}


{#- The authorizations as the claim audit reads them. -#}
{% macro audited_authorization_rows() -%}
    select authorization_id, authorization_number, patient_id, status, start_date, end_date, cpt_codes,
        diagnosis_codes
    from {{ ref('stg_ehr__authorizations') }}
{%- endmacro %}


{#- The payer enrollments by NPI as the claim audit reads them (providers joined to their enrollments). -#}
{% macro audited_enrollment_rows() -%}
    select providers.npi, enrollments.payer_id, enrollments.status, enrollments.effective_date,
        enrollments.termination_date
    from {{ ref('stg_ehr__providers') }} as providers
    inner join {{ ref('stg_credentialing__payer_enrollments') }} as enrollments
        on providers.provider_id = enrollments.provider_id
{%- endmacro %}


{#- int_claim_acknowledgement_events. A claim's 999 events come from the 999s naming the control numbers (GS06/ST02)
    of its 837P transactions, each answering the latest transaction with those numbers created on or before it;
    its 277CA events name the claim. "Since" is after the newest row of these inputs the last build read (its post-hooks
    record it: acknowledgement_inputs_loaded_through; the newest acknowledgement the table holds would not do, as the
    837Ps of an ingest load after its acknowledgements). The ids of 999s, 277CAs, transactions and
    claim records carry their file and control numbers (dagster_project/ingest/x12), so a row never changes its
    numbers or its claim: only rows arriving or superseded change what a claim's events are. Inputs and why each
    is covered:
    - 999s and 837P transactions loaded since, or in a file superseded since: their control numbers, and every
      claim of a current transaction with those numbers (which a 999 answered before, or answers now);
    - claim headers (which claims a transaction carries): loaded since, or in a file superseded since (the claims
      of a withdrawn transaction);
    - 277CAs loaded since, or in a file superseded since: the claim each names;
    - the acknowledgement code seed: full rebuild. -#}
{% macro changed_claims__int_claim_acknowledgement_events() %}
    {%- set loaded_through = input_copy_relation('loaded_through') -%}
    {%- if adapter.get_relation(loaded_through.database, loaded_through.schema, loaded_through.identifier) is none %}
        {%- set newest_built = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}
    {%- else %}
        {%- set newest_built = "(select coalesce(loaded_through, cast('1900-01-01' as " ~ dbt.type_timestamp()
            ~ ")) from " ~ loaded_through ~ ")" %}
    {%- endif %}
    {%- set superseded_since -%}
        (
            select superseded_sha256 from {{ source('ingest', 'file_supersessions') }}
            where recorded_at > {{ newest_built }}
        )
    {%- endset %}
    select claim_id from (
        with changed_numbers as (
            select group_control_number, transaction_control_number
            from {{ ref('stg_clearinghouse__claim_transactions') }}
            where loaded_at > {{ newest_built }}
            union
            select group_control_number, transaction_control_number
            from {{ source('raw_clearinghouse', 'claim_transactions') }}
            where _file_sha256 in {{ superseded_since }}
            union
            select acknowledged_group_control_number, acknowledged_transaction_control_number
            from {{ ref('stg_clearinghouse__implementation_acks') }}
            where loaded_at > {{ newest_built }}
            union
            select acknowledged_group_control_number, acknowledged_transaction_control_number
            from {{ source('raw_clearinghouse', 'implementation_acks') }}
            where _file_sha256 in {{ superseded_since }}
        ),

        changed_277cas as (
            select claim_id
            from {{ ref('stg_clearinghouse__claim_acks') }}
            where loaded_at > {{ newest_built }}
            union
            select patient_control_number
            from {{ source('raw_clearinghouse', 'claim_acks') }}
            where _file_sha256 in {{ superseded_since }}
        )

        select headers.claim_id
        from {{ ref('stg_clearinghouse__claim_headers') }} as headers
        inner join {{ ref('stg_clearinghouse__claim_transactions') }} as transactions
            on headers.claim_transaction_id = transactions.claim_transaction_id
        inner join changed_numbers
            on
                transactions.group_control_number = changed_numbers.group_control_number
                and transactions.transaction_control_number = changed_numbers.transaction_control_number
        union
        select claim_id from changed_277cas
        union
        select claim_id from {{ ref('stg_clearinghouse__claim_headers') }}
        where loaded_at > {{ newest_built }}
        union
        select claim_id from {{ source('raw_clearinghouse', 'claim_headers') }}
        where _file_sha256 in {{ superseded_since }}
    ) as claims_of_changed_acknowledgements
{% endmacro %}


{#- The newest load time of the rows int_claim_acknowledgement_events reads (one row): a row loaded after a build is
    newer than every row that build read. -#}
{% macro acknowledgement_inputs_loaded_through() -%}
    select max(loaded_at) as loaded_through from (
        select max(loaded_at) as loaded_at from {{ ref('stg_clearinghouse__claim_transactions') }}
        union all
        select max(loaded_at) from {{ ref('stg_clearinghouse__claim_headers') }}
        union all
        select max(loaded_at) from {{ ref('stg_clearinghouse__implementation_acks') }}
        union all
        select max(loaded_at) from {{ ref('stg_clearinghouse__claim_acks') }}
        union all
        select max(recorded_at) from {{ source('ingest', 'file_supersessions') }}
    ) as newest
{%- endmacro %}


{#- fct_claim_acknowledgements. Inputs and why each is covered:
    - int_claim_acknowledgement_events (every 999 and 277CA event of a claim), incremental by claim and logging the
      claims it rebuilt: claims_changed_in();
    - claim headers and transactions (submissions): they arrive and are superseded only with the claim's 837P
      rows, which int_claim_lines_submitted takes as delivered since its last build and logs: claims_changed_in();
    - int_claim_lines_submitted and int_claim_lines_priced (the claim's location, patient, payer, dates and
      amounts): claims_changed_in() of each;
    - the acknowledgement code seed: full rebuild. -#}
{% macro changed_claims__fct_claim_acknowledgements() %}
    {{ claims_changed_in(ref('int_claim_lines_submitted')) }}
    union
    {{ claims_changed_in(ref('int_claim_lines_priced')) }}
    union
    {{ claims_changed_in(ref('int_claim_acknowledgement_events')) }}
{% endmacro %}
