{#-
    Incremental claim models: a run on a built table recomputes only the claims whose inputs changed since its
    last build, with the model's own SQL restricted to those claims, so the answer is the one a full build gives.

    A model opts in with
        materialized='incremental', incremental_strategy='delete+insert', unique_key='claim_id',
        on_schema_change='fail',
        pre_hook=claims_to_rebuild_hooks('<macro rendering the changed claim ids>'),
        post_hook=claims_to_rebuild_post_hooks() (plus any copy of an input: record_input_copy_hooks)
    and filters its claim rows with {{ only_claims_to_rebuild('<claim id column>') }} (nothing in a full build).

    1. The pre-hook renders the model's changed-claims macro (one `select claim_id ...` per input, unioned; the
       model's file says why each input is covered) into a temporary table, and deletes those claims' rows
       from the table: a claim that has no rows any more (every delivered row superseded) stays deleted.
    2. The model's SQL runs for those claims only; delete+insert writes their rows.
    3. The post-hooks log the claims rebuilt (claim_changes_relation; a full build logs "every claim"), so a
       model built from this one can be incremental by claim too: its changed-claims macro reads the log with
       claims_changed_in(ref(...)), and its post-hooks add claims_changed_in_read_hooks('<that model>').
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

{#- The post-hooks: [log the claims rebuilt, drop their temporary table]. -#}
{% macro claims_to_rebuild_post_hooks() -%}
    {{ return(["{{ record_claim_changes(0) }}", "{{ record_claim_changes(1) }}", "{{ record_claim_changes(2) }}",
        "{{ record_claim_changes(3) }}", "{{ drop_claims_to_rebuild() }}"]) }}
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


{#- ----- The claim-change log: which claims an incremental claim model rebuilt, build by build ------------------

    `<model>__claim_changes` (build_number, claim_id), in a schema of its own so that publish, which copies every
    mart, never sees it: each incremental build appends the claims it rebuilt under the next build number; a full
    build replaces the log with one row whose claim_id is null (every claim may have changed). The newest
    claim_change_builds_kept() builds are kept; a reader that fell further behind rebuilds every claim.
    A reader keeps, per log, the last build number it read (`<model>__claim_changes__read_by_<reader>`), written
    by its post-hooks after each of its builds, full or incremental. -#}

{% macro claim_change_builds_kept() %}{{ return(30) }}{% endmacro %}

{% macro incremental_state_schema() %}{{ return('incremental_state') }}{% endmacro %}

{% macro claim_changes_relation(model) -%}
    {{ return(api.Relation.create(database=model.database, schema=incremental_state_schema(),
        identifier=model.identifier ~ '__claim_changes')) }}
{%- endmacro %}

{% macro claim_changes_read_relation(model, reader) -%}
    {{ return(api.Relation.create(database=model.database, schema=incremental_state_schema(),
        identifier=model.identifier ~ '__claim_changes__read_by_' ~ reader.identifier)) }}
{%- endmacro %}

{#- The statements logging this build's claims: append them (incremental), or one "every claim" row that replaces
    the log (full build). Build numbers only grow, even across full builds, so a reader's last-read number never
    points into a newer log. One statement per hook (`record_claim_changes(n)`), as the other claim hooks. -#}
{% macro claim_change_statements() -%}
    {%- set changes = claim_changes_relation(this) -%}
    {%- set next_build -%}
        (select coalesce(max(build_number), 0) + 1 from {{ changes }})
    {%- endset -%}
    {%- set statements = [
        'create schema if not exists ' ~ incremental_state_schema(),
        'create table if not exists ' ~ changes ~ ' (build_number integer, claim_id ' ~ dbt.type_string() ~ ')',
    ] -%}
    {%- if is_incremental() -%}
        {%- do statements.append(
            'insert into ' ~ changes ~ ' select ' ~ next_build ~ ', claim_id from ' ~ claims_to_rebuild_relation()) -%}
        {%- do statements.append(
            'delete from ' ~ changes ~ ' where build_number <= (select max(build_number) from ' ~ changes ~ ') - '
            ~ claim_change_builds_kept()) -%}
    {%- else -%}
        {%- do statements.append(
            'insert into ' ~ changes ~ ' select ' ~ next_build ~ ', cast(null as ' ~ dbt.type_string() ~ ')') -%}
        {%- do statements.append(
            'delete from ' ~ changes ~ ' where build_number < (select max(build_number) from ' ~ changes ~ ')') -%}
    {%- endif -%}
    {{ return(statements) }}
{%- endmacro %}

{% macro record_claim_changes(step) -%}
    {{ claim_change_statements()[step] }}
{%- endmacro %}

{#- A reader's changed claims from one upstream claim model (a `select claim_id`): the claims the upstream logged
    since the build the reader last read; every claim of either table when the upstream was rebuilt whole since,
    the log was trimmed past that build or started again without it, or the reader never read it. -#}
{% macro claims_changed_in(upstream) -%}
    {%- set changes = claim_changes_relation(upstream) -%}
    {%- set read = claim_changes_read_relation(upstream, this) -%}
    {%- set every_claim -%}
        select claim_id from {{ upstream }}
        union
        select claim_id from {{ this }}
    {%- endset -%}
    {%- if adapter.get_relation(changes.database, changes.schema, changes.identifier) is none
        or adapter.get_relation(read.database, read.schema, read.identifier) is none %}
    {{ every_claim }}
    {%- else %}
    {%- set last_read %}(select max(build_number) from {{ read }}){% endset %}
    select claim_id
    from {{ changes }}
    where build_number > {{ last_read }} and claim_id is not null
    union
    select claim_id from ({{ every_claim }}) as every_claim
    where
        exists (select 1 from {{ changes }} where build_number > {{ last_read }} and claim_id is null)
        or {{ last_read }} < (select min(build_number) from {{ changes }}) - 1
        or {{ last_read }} > (select max(build_number) from {{ changes }})
    {%- endif %}
{%- endmacro %}

{#- The reader's post-hooks: remember the last build of upstream_model's log this build read. -#}
{% macro claims_changed_in_read_hooks(upstream_model) -%}
    {{ return([
        "drop table if exists {{ claim_changes_read_relation(ref('" ~ upstream_model ~ "'), this) }}",
        "create table {{ claim_changes_read_relation(ref('" ~ upstream_model ~ "'), this) }} as "
            ~ "select coalesce(max(build_number), 0) as build_number "
            ~ "from {{ claim_changes_relation(ref('" ~ upstream_model ~ "')) }}",
    ]) }}
{%- endmacro %}
