{#- `name as {{ inlined_cte() }} (...)`: read a CTE's source again at every reference instead of holding its rows.
    DuckDB materializes every CTE referenced more than once and keeps it in memory until the query ends; for a
    CTE that only picks columns of a table, scanning the table again is cheaper than holding a copy of it (at 50
    locations over three years the copies pushed int_remit_lines_posted past memory_limit into spilling).
    PostgreSQL and the cloud warehouses keep their own default, so the macro renders nothing there. -#}
{% macro inlined_cte() -%}
    {{ return(adapter.dispatch('inlined_cte')()) }}
{%- endmacro %}

{% macro duckdb__inlined_cte() -%}
    not materialized
{%- endmacro %}

{% macro default__inlined_cte() -%}
{%- endmacro %}
