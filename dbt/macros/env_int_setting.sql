{#- A whole-number setting read from the environment, with its default (README and .env.example list
    them; dagster_project/settings.py reads the front-office ones with the same defaults, a test checks).
    Validated as a non-negative integer so a typo fails the run loudly. -#}
{% macro env_int_setting(name) -%}
    {%- set defaults = {
        'RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS': 1,
        'RCM_NOTE_SIGNING_WINDOW_HOURS': 48,
        'RCM_ELIGIBILITY_LOOKAHEAD_HOURS': 72,
        'RCM_NOTE_AUDIT_LOOKBACK_DAYS': 14,
        'RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS': 30,
    } -%}
    {%- set raw = env_var(name, '') | string | trim -%}
    {%- set value = (raw if raw != '' else defaults[name]) | int(-1) -%}
    {%- if value < 0 -%}
        {{ exceptions.raise_compiler_error(name ~ " must be a non-negative integer, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ value }}
{%- endmacro %}
