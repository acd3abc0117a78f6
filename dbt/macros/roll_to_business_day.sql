{#- The first date on or after `date_expr` that is neither a Saturday, a Sunday nor a row of the
    business_holidays seed: a deadline that falls on a day the payer is closed moves to the next business
    day. Looks at most 7 days ahead (the longest run of closed days in the calendar is 4). -#}
{% macro roll_to_business_day(date_expr) -%}
    case
        {%- for offset in range(0, 8) %}
        {%- set candidate = date_add_days(offset, date_expr) %}
        when
            {{ front_office_isodow(candidate) }} < 6
            and {{ candidate }} not in (select holiday_date from {{ ref('business_holidays') }})
            then {{ candidate }}
        {%- endfor %}
    end
{%- endmacro %}
