{#- Pre-hook of every model: planner settings for the warehouse. On PostgreSQL, no nested-loop joins. The models
    join tables without indexes through CTEs the planner estimates at a row or two, and a nested loop over an
    unindexed inner side is quadratic: int_remit_lines_posted ran ten minutes at the default size with
    nested loops and 9 seconds with hash and merge joins. DuckDB and the cloud warehouses need nothing here. -#}
{% macro planner_settings() -%}
    {{ return(adapter.dispatch('planner_settings')()) }}
{%- endmacro %}

{% macro postgres__planner_settings() -%}
    set enable_nestloop = off
{%- endmacro %}

{% macro default__planner_settings() -%}
{%- endmacro %}
