{#- `days` Monday-Friday days after a timestamp (days is a compile-time integer); an arrival on a
    weekend counts from Monday 00:00. Holidays are not skipped. Mirrors add_business_days in
    dagster_project/synthetic/front_office.py. -#}
{% macro front_office_add_business_days(ts_expr, days) -%}
    {%- set n = days | int -%}
    {%- set dow = front_office_isodow(ts_expr) -%}
    {%- set start_ts -%}
        case
            when {{ dow }} = 6 then cast({{ date_add_days(2, 'cast(' ~ ts_expr ~ ' as date)') }} as {{ dbt.type_timestamp() }})
            when {{ dow }} = 7 then cast({{ date_add_days(1, 'cast(' ~ ts_expr ~ ' as date)') }} as {{ dbt.type_timestamp() }})
            else {{ ts_expr }}
        end
    {%- endset -%}
    {%- set extra -%}
        (case when (case when {{ dow }} >= 6 then 1 else {{ dow }} end) + {{ n % 5 }} > 5 then 2 else 0 end)
    {%- endset -%}
    {{ dbt.dateadd('day', (7 * (n // 5) + n % 5) ~ ' + ' ~ extra, start_ts) }}
{%- endmacro %}

{#- ISO day of week, Monday = 1 .. Sunday = 7 (adapter-dispatched: Snowflake spells it differently). -#}
{% macro front_office_isodow(expr) -%}
    {{ return(adapter.dispatch('front_office_isodow')(expr)) }}
{%- endmacro %}

{% macro default__front_office_isodow(expr) -%}
    extract(isodow from {{ expr }})
{%- endmacro %}

{% macro snowflake__front_office_isodow(expr) -%}
    dayofweekiso({{ expr }})
{%- endmacro %}
