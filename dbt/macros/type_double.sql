{#- An 8-byte float. dbt.type_float() is 4-byte `float` on DuckDB, so ratios use this instead.
    `double precision` is the SQL-standard spelling DuckDB, PostgreSQL and Snowflake share; BigQuery has float64. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}
