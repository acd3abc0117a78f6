{#- The date every rule runs at, as a SQL date literal.
    Reads var('as_of_date'); empty or unset means today. The value is parsed as an ISO date so a
    malformed var fails the run loudly instead of being pasted into SQL. -#}
{% macro as_of_date() -%}
    {%- set raw = var('as_of_date') -%}
    {%- if raw is none or (raw | string | trim) == '' -%}
        {%- set parsed = modules.datetime.date.today() -%}
    {%- else -%}
        {%- set parsed = modules.datetime.date.fromisoformat(raw | string | trim) -%}
    {%- endif -%}
    cast('{{ parsed.isoformat() }}' as date)
{%- endmacro %}
