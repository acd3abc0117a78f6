{#- Tables and views on DuckDB, replaced in one statement.

    The materializations DuckDB gets by default (dbt-duckdb's table, dbt-core's view) build the new relation
    under a temporary name, rename the old one to a backup name, rename the new one in and drop the backup:
    five statements, each with its own round of dbt's per-statement work (log events, relation cache,
    connection bookkeeping), which at this project's size costs more than the SQL of most models
    (docs/scaling.md, "A new day"). DuckDB replaces a table or a view in one statement, `create or replace`,
    inside the model's transaction, so a failed build leaves the old relation in place as the renames did.
    No model here uses what the default materializations also handle (contracts and their foreign keys,
    indexes, grants, docs persisted to the database, DuckLake partitioning); a model that asks for one of
    those is refused rather than built without it. Other warehouses keep their adapter's materializations. -#}

{% macro duckdb_replace_refuse_unsupported() %}
    {%- for option in ('grants', 'indexes', 'persist_docs', 'sql_header', 'partitioned_by', 'sorted_by') -%}
        {%- if config.get(option) -%}
            {{ exceptions.raise_compiler_error(
                this ~ " sets " ~ option ~ ", which this project's DuckDB materializations do not apply") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if config.get('contract', {}).enforced -%}
        {{ exceptions.raise_compiler_error(
            this ~ " enforces a contract, which this project's DuckDB materializations do not apply") }}
    {%- endif -%}
{% endmacro %}

{% macro duckdb_replace_relation(relation_type) %}
    {%- do duckdb_replace_refuse_unsupported() -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type=relation_type) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- A table that was a view (or the other way round): `create or replace` replaces only its own kind. -#}
    {%- if existing_relation is not none and existing_relation.type != relation_type -%}
        {{ drop_relation_if_exists(existing_relation) }}
    {%- endif -%}

    {% call statement('main') -%}
        create or replace {{ relation_type }} {{ target_relation }} as (
            {{ compiled_code }}
        );
    {%- endcall %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmacro %}

{% materialization table, adapter='duckdb' %}
    {{ return(duckdb_replace_relation('table')) }}
{% endmaterialization %}

{% materialization view, adapter='duckdb' %}
    {{ return(duckdb_replace_relation('view')) }}
{% endmaterialization %}
