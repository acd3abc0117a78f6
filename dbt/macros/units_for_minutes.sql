{#- Planned 15-minute units for a booked duration: floor((minutes + 7) / 15), the CMS 8-minute
    conversion (docs/domain-reference.md 2.2). 15.0 keeps the division fractional on warehouses that truncate
    integer division. -#}
{% macro units_for_minutes(minutes) -%}
    cast(floor(({{ minutes }} + 7) / 15.0) as integer)
{%- endmacro %}
