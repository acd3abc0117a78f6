{#- Local time of a location. Timestamps in the warehouse are naive UTC (as the contracts store them);
    every date or time a person reads is the location's wall-clock time in its IANA zone (dim_locations.time_zone).
    Adapter-dispatched: DuckDB uses ICU's timezone() (built in); the default is the SQL-standard AT TIME ZONE
    pair (Postgres); Snowflake spells it convert_timezone. -#}

{#- A naive UTC timestamp as naive wall-clock time in a zone. -#}
{% macro local_timestamp(utc_ts, time_zone) -%}
    {{ return(adapter.dispatch('local_timestamp')(utc_ts, time_zone)) }}
{%- endmacro %}

{% macro duckdb__local_timestamp(utc_ts, time_zone) -%}
    timezone({{ time_zone }}, ({{ utc_ts }}) at time zone 'UTC')
{%- endmacro %}

{% macro snowflake__local_timestamp(utc_ts, time_zone) -%}
    convert_timezone('UTC', {{ time_zone }}, {{ utc_ts }})
{%- endmacro %}

{% macro default__local_timestamp(utc_ts, time_zone) -%}
    ((({{ utc_ts }}) at time zone 'UTC') at time zone {{ time_zone }})
{%- endmacro %}

{#- Naive wall-clock time in a zone as the naive UTC instant it names (the inverse of local_timestamp). -#}
{% macro utc_from_local(local_ts, time_zone) -%}
    {{ return(adapter.dispatch('utc_from_local')(local_ts, time_zone)) }}
{%- endmacro %}

{% macro duckdb__utc_from_local(local_ts, time_zone) -%}
    timezone('UTC', timezone({{ time_zone }}, cast({{ local_ts }} as timestamp)))
{%- endmacro %}

{% macro snowflake__utc_from_local(local_ts, time_zone) -%}
    convert_timezone({{ time_zone }}, 'UTC', {{ local_ts }})
{%- endmacro %}

{% macro default__utc_from_local(local_ts, time_zone) -%}
    ((cast({{ local_ts }} as timestamp) at time zone {{ time_zone }}) at time zone 'UTC')
{%- endmacro %}

{#- The as-of moment of a location: 00:00 local time on the as-of date, as a naive UTC instant, so it
    compares directly with the UTC timestamps of the extracts. -#}
{% macro local_as_of_utc(time_zone) -%}
    {{ utc_from_local('cast(' ~ as_of_date() ~ ' as ' ~ dbt.type_timestamp() ~ ')', time_zone) }}
{%- endmacro %}

{#- Three-letter weekday of a date (Mon..Sun); extract(dow) is 0 = Sunday on DuckDB, Postgres and Snowflake. -#}
{% macro scheduling_weekday(date_expr) -%}
    case cast(extract(dow from {{ date_expr }}) as integer)
        when 0 then 'Sun' when 1 then 'Mon' when 2 then 'Tue' when 3 then 'Wed'
        when 4 then 'Thu' when 5 then 'Fri' else 'Sat'
    end
{%- endmacro %}
