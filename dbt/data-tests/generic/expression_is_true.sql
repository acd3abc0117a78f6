{#- Fails for every row where `expression` is not true (a small stand-in for dbt_utils' test). -#}
{% test expression_is_true(model, expression, where_clause=none) %}

with

final as (

    select * from {{ model }}
    where not ({{ expression }})
    {%- if where_clause %} and ({{ where_clause }}){% endif %}

)

select * from final

{% endtest %}
