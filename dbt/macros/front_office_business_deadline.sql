{#- The UTC moment `days` business days after a UTC timestamp, counted on the location's local calendar
    (int_front_office__business_days: Monday-Friday, the group's holidays skipped). An arrival on an open
    day keeps its local time of day; one on a weekend or holiday counts from 00:00 of the next business day.
    `calendar` is the alias of a second join of the calendar, on `starts` (first alias) the arrival's local
    date; the caller joins both:
        inner join calendar as starts on starts.calendar_date = cast(<local ts> as date)
        inner join calendar as ends on ends.is_business_day
            and ends.business_day_number = starts.next_business_day_number + <days>
-#}
{% macro front_office_business_deadline(local_ts, time_zone, starts='starts', ends='ends') -%}
    {{ utc_from_local(
        dbt.dateadd(
            'second',
            'case when ' ~ starts ~ '.is_business_day then '
                ~ dbt.datediff('cast(' ~ starts ~ '.calendar_date as ' ~ dbt.type_timestamp() ~ ')', local_ts, 'second')
                ~ ' else 0 end',
            'cast(' ~ ends ~ '.calendar_date as ' ~ dbt.type_timestamp() ~ ')'
        ),
        time_zone
    ) }}
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
