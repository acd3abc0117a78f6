{#- A claims-area setting read from the environment (README and .env.example list it). Validated as a
    non-negative integer so a typo fails the run loudly. -#}
{% macro claims_setting(name) -%}
    {%- set defaults = {
        'RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS': 30,
    } -%}
    {%- set raw = env_var(name, '') | string | trim -%}
    {%- set value = (raw if raw != '' else defaults[name]) | int(-1) -%}
    {%- if value < 0 -%}
        {{ exceptions.raise_compiler_error(name ~ " must be a non-negative integer, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ value }}
{%- endmacro %}
