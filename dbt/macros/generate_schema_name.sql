{#- Use a custom schema name as it is (reference, staging, intermediate, marts) instead of dbt's
    default "<target schema>_<custom>", so every part of the product can name the schemas directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
