{#- `name as {{ materialized_cte() }} (...)`: compute a CTE once, on its own, before it is joined. On PostgreSQL this
    keeps the planner from pushing a join into the arms of a UNION ALL, where it can only join row by row. On
    DuckDB it fixes a join order the optimizer gets wrong from its estimates (int_visit_contracted_amounts: the
    visits met every fee row of their payer before the charge lines narrowed them to the line's code, 6.4M rows
    for 1M). Elsewhere the optimizer decides on its own, so the macro renders nothing. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}
