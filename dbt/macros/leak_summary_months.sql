{#- The calendar months the director's overview covers: the as-of month and the
    var('leak_summary_months') - 1 before it, one row each (month_start, months_back: 0 = as-of month). -#}
{% macro leak_summary_months() -%}
    {%- for months_back in range(var('leak_summary_months')) %}
    select
        cast({{ dbt.dateadd('month', -months_back, dbt.date_trunc('month', as_of_date())) }} as date) as month_start,
        {{ months_back }} as months_back
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
