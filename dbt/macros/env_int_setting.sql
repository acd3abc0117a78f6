{#- A whole-number setting, named by its environment variable (RCM_NOTE_AUDIT_LOOKBACK_DAYS): its value is
    the dbt var of the same name without the RCM_ prefix, lowercased (note_audit_lookback_days), declared
    with its default in dbt_project.yml and passed by the orchestrator from core/settings.py (dbt_vars).
    Validated as a non-negative integer so a typo fails the run loudly. -#}
{% macro env_int_setting(name) -%}
    {%- if not name.startswith('RCM_') -%}
        {{ exceptions.raise_compiler_error("env_int_setting expects an RCM_* setting name, got '" ~ name ~ "'") }}
    {%- endif -%}
    {{ return(int_var(name[4:] | lower)) }}
{%- endmacro %}

{#- A declared dbt var as a non-negative integer; anything else fails the run naming the var. -#}
{% macro int_var(var_name) -%}
    {%- set raw = var(var_name) | string | trim -%}
    {%- set value = raw | int(-1) -%}
    {%- if value < 0 or raw != value | string -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a non-negative integer, got '" ~ raw ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
