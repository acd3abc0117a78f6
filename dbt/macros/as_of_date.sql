{#- The date every rule runs at, as a SQL date literal.
    var('as_of_date') when given (unit tests, a person pinning a rerun on the command line), else the
    RCM_AS_OF_DATE of the dbt process (the orchestrator sets it to the date its run resolved; see
    dagster_project/dbt_tethered.py), else today. The value is parsed as an ISO date so a malformed one
    fails the run loudly instead of being pasted into SQL.
    Read only when a node runs, never while dbt parses the project: a new date then changes no parse
    input (neither the command-line vars nor an environment variable dbt records), so the nightly run
    keeps dbt's partial parsing. -#}
{% macro as_of_date() -%}
    {%- if not execute -%}
        cast(null as date)
    {%- else -%}
        {%- set pinned = var('as_of_date') -%}
        {%- set raw = (pinned | string | trim) if pinned is not none else '' -%}
        {%- if raw == '' -%}
            {%- set raw = env_var('RCM_AS_OF_DATE', '') | trim -%}
        {%- endif -%}
        {%- if raw == '' -%}
            {%- set parsed = modules.datetime.date.today() -%}
        {%- else -%}
            {%- set parsed = modules.datetime.date.fromisoformat(raw) -%}
        {%- endif -%}
        cast('{{ parsed.isoformat() }}' as date)
    {%- endif -%}
{%- endmacro %}
