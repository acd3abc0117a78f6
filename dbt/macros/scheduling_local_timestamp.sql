{#- A UTC timestamp (naive, as the contracts store it) as clinic wall-clock time in an IANA time zone.
    Adapter-dispatched: DuckDB uses ICU's timezone(); the default is the SQL-standard AT TIME ZONE pair
    (Postgres); add an implementation per warehouse that spells it otherwise (Snowflake: convert_timezone). -#}
{% macro scheduling_local_timestamp(utc_ts, time_zone) -%}
    {{ return(adapter.dispatch('scheduling_local_timestamp')(utc_ts, time_zone)) }}
{%- endmacro %}

{% macro duckdb__scheduling_local_timestamp(utc_ts, time_zone) -%}
    timezone({{ time_zone }}, ({{ utc_ts }}) at time zone 'UTC')
{%- endmacro %}

{% macro snowflake__scheduling_local_timestamp(utc_ts, time_zone) -%}
    convert_timezone('UTC', {{ time_zone }}, {{ utc_ts }})
{%- endmacro %}

{% macro default__scheduling_local_timestamp(utc_ts, time_zone) -%}
    ((({{ utc_ts }}) at time zone 'UTC') at time zone {{ time_zone }})
{%- endmacro %}

{#- Three-letter weekday of a date (Mon..Sun); extract(dow) is 0 = Sunday on DuckDB, Postgres and Snowflake. -#}
{% macro scheduling_weekday(date_expr) -%}
    case cast(extract(dow from {{ date_expr }}) as integer)
        when 0 then 'Sun' when 1 then 'Mon' when 2 then 'Tue' when 3 then 'Wed'
        when 4 then 'Thu' when 5 then 'Fri' else 'Sat'
    end
{%- endmacro %}
