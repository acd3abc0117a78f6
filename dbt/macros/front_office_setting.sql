{#- A front-office setting (dagster_project/settings.py get_front_office_settings reads the same variables
    with the same defaults). Validated as a non-negative integer so a typo fails the run loudly. -#}
{% macro front_office_setting(name) -%}
    {%- set defaults = {
        'RCM_REFERRAL_FIRST_RESPONSE_BUSINESS_DAYS': 1,
        'RCM_NOTE_SIGNING_WINDOW_HOURS': 48,
        'RCM_ELIGIBILITY_LOOKAHEAD_HOURS': 72,
        'RCM_NOTE_AUDIT_LOOKBACK_DAYS': 14,
    } -%}
    {%- set raw = env_var(name, '') | string | trim -%}
    {%- set value = (raw if raw != '' else defaults[name]) | int(-1) -%}
    {%- if value < 0 -%}
        {{ exceptions.raise_compiler_error(name ~ " must be a non-negative integer, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ value }}
{%- endmacro %}
