{#-
    Incremental claim models: a run on a built table recomputes only the claims whose inputs changed since its
    last build, with the model's own SQL restricted to those claims, so the answer is the one a full build gives.

    A model opts in with
        materialized='incremental', incremental_strategy='delete+insert', unique_key='claim_id',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('<macro rendering the changed claim ids>'),
        post_hook='{{ drop_claims_to_rebuild() }}' (plus any copy of an input: record_input_copy_hooks)
    and filters its claim rows with {{ only_claims_to_rebuild('<claim id column>') }} (nothing in a full build).

    1. The pre-hook renders the model's changed-claims macro (one `select claim_id ...` per input, unioned; the
       model's file says why each input is covered) into a temporary table, and deletes those claims' rows
       from the table: a claim that has no rows any more (every delivered row superseded) stays deleted.
    2. The model's SQL runs for those claims only; delete+insert writes their rows.
    Seeds, macros, the models' SQL and dbt vars are not inputs here: the orchestrator rebuilds everything
    (--full-refresh) when their fingerprint changes (dagster_project/assets/build_fingerprint.py).
-#}

{% macro claims_to_rebuild_relation() -%}
    claims_to_rebuild__{{ this.identifier }}
{%- endmacro %}

{#- The pre-hooks: [drop a leftover, collect the changed claims, delete their rows]. Nothing in a full build.
    changed_claims_macro names a macro of this project returning the changed claims' select. -#}
{% macro claims_to_rebuild_hooks(changed_claims_macro) -%}
    {{ return([
        "{{ drop_claims_to_rebuild() }}",
        "{% if is_incremental() %}create temporary table " ~ "{{ claims_to_rebuild_relation() }} as "
            ~ "select distinct claim_id from ({{ " ~ changed_claims_macro ~ "() }}) as changed"
            ~ " where claim_id is not null{% endif %}",
        "{% if is_incremental() %}delete from {{ this }} where claim_id in "
            ~ "(select claim_id from {{ claims_to_rebuild_relation() }}){% endif %}",
    ]) }}
{%- endmacro %}

{% macro drop_claims_to_rebuild() -%}
    {%- if is_incremental() -%}
        drop table if exists {{ claims_to_rebuild_relation() }}
    {%- endif -%}
{%- endmacro %}

{#- The filter of an incremental claim model's claim rows: `where` clause body, true in a full build. -#}
{% macro only_claims_to_rebuild(claim_id_column) -%}
    {%- if is_incremental() -%}
        {{ claim_id_column }} in (select claim_id from {{ claims_to_rebuild_relation() }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Claims whose 837 headers or lines were loaded after the newest row the table holds (its loaded_at: a row
    loaded before the last build is no newer than that build's newest, so nothing already built is missed; at
    worst rows loaded after it in the same ingest are looked at again), and claims of a claim file superseded
    since then (their latest version may fall back to an earlier delivery, or vanish). -#}
{% macro claims_delivered_since_last_build() -%}
    {%- set newest_built -%}
        (select coalesce(max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
    {%- endset -%}
    select claim_id
    from {{ ref('stg_clearinghouse__claim_headers') }}
    where loaded_at > {{ newest_built }}
    union
    select claim_headers.claim_id
    from {{ ref('stg_clearinghouse__claim_lines') }} as claim_lines
    inner join {{ ref('stg_clearinghouse__claim_headers') }} as claim_headers
        on claim_lines.claim_record_id = claim_headers.claim_record_id
    where claim_lines.loaded_at > {{ newest_built }}
    union
    select raw_headers.claim_id
    from {{ source('raw_clearinghouse', 'claim_headers') }} as raw_headers
    inner join {{ source('ingest', 'file_supersessions') }} as supersessions
        on raw_headers._file_sha256 = supersessions.superseded_sha256
    where supersessions.recorded_at > {{ newest_built }}
{%- endmacro %}
