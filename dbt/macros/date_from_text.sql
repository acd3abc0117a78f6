{#- A date written as text in a fixed picture ('YYYYMMDD' as the OIG exclusion list writes them, 'MM/DD/YYYY'
    as SAM.gov does). Adapter-dispatched: DuckDB and BigQuery parse with strftime codes; PostgreSQL, Snowflake
    and Redshift share to_date with the picture itself. -#}
{% macro date_from_text(text_expr, picture) -%}
    {{ return(adapter.dispatch('date_from_text')(text_expr, picture)) }}
{%- endmacro %}

{% macro strftime_codes(picture) -%}
    {{ return(picture | replace('YYYY', '%Y') | replace('MM', '%m') | replace('DD', '%d')) }}
{%- endmacro %}

{% macro duckdb__date_from_text(text_expr, picture) -%}
    cast(strptime({{ text_expr }}, '{{ strftime_codes(picture) }}') as date)
{%- endmacro %}

{% macro bigquery__date_from_text(text_expr, picture) -%}
    parse_date('{{ strftime_codes(picture) }}', {{ text_expr }})
{%- endmacro %}

{% macro default__date_from_text(text_expr, picture) -%}
    to_date({{ text_expr }}, '{{ picture }}')
{%- endmacro %}
