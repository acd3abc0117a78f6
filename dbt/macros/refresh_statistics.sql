{#- Post-hook of every model and seed: on PostgreSQL, ANALYZE what was just built. A table dbt creates has no
    planner statistics until autovacuum gets to it, and without them the planner guesses join sizes in the
    billions and picks nested loops; DuckDB and the cloud warehouses keep their statistics themselves. -#}
{% macro refresh_statistics() -%}
    {{ return(adapter.dispatch('refresh_statistics')()) }}
{%- endmacro %}

{% macro postgres__refresh_statistics() -%}
    {%- if config.get('materialized') in ('table', 'incremental', 'seed') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}

{% macro default__refresh_statistics() -%}
{%- endmacro %}
