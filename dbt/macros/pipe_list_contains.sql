{#- True when `item` is one element of the pipe-separated list `list_expr` ('97530|97110').
    Wrapping both sides in pipes keeps 9753 from matching 97530; plain LIKE + dbt.concat stays portable
    where string_split/list functions differ between warehouses. -#}
{% macro pipe_list_contains(list_expr, item) -%}
    ({{ dbt.concat(["'|'", list_expr, "'|'"]) }} like {{ dbt.concat(["'%|'", item, "'|%'"]) }})
{%- endmacro %}
