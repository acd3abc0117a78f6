{#- A date written as eight digits (YYYYMMDD, as the OIG exclusion list writes them). Adapter-dispatched:
    DuckDB parses with strptime; PostgreSQL, Snowflake and Redshift share to_date with a format picture. -#}
{% macro date_from_yyyymmdd(text_expr) -%}
    {{ return(adapter.dispatch('date_from_yyyymmdd')(text_expr)) }}
{%- endmacro %}

{% macro duckdb__date_from_yyyymmdd(text_expr) -%}
    cast(strptime({{ text_expr }}, '%Y%m%d') as date)
{%- endmacro %}

{% macro bigquery__date_from_yyyymmdd(text_expr) -%}
    parse_date('%Y%m%d', {{ text_expr }})
{%- endmacro %}

{% macro default__date_from_yyyymmdd(text_expr) -%}
    to_date({{ text_expr }}, 'YYYYMMDD')
{%- endmacro %}
