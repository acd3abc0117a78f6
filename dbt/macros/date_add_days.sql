{#- dbt.dateadd returns a timestamp on some adapters (DuckDB among them); rules compare dates. -#}
{% macro date_add_days(days, date_expr) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}
