{#- `name as {{ materialized_cte() }} (...)`: compute a CTE once before it is joined. On PostgreSQL this keeps the
    planner from pushing a join into the arms of a UNION ALL, where it can only join row by row; elsewhere the
    optimizer decides on its own, so the macro renders nothing. -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}
