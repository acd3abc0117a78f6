{#- True when `item` is one element of the pipe-separated list `list_expr` ('97530|97110').
    Wrapping both sides in pipes keeps 9753 from matching 97530; plain LIKE + dbt.concat stays portable
    where string_split/list functions differ between warehouses. -#}
{% macro pipe_list_contains(list_expr, item) -%}
    ({{ dbt.concat(["'|'", list_expr, "'|'"]) }} like {{ dbt.concat(["'%|'", item, "'|%'"]) }})
{%- endmacro %}

{#- The pipe-separated list `first_expr` followed by the list `second_expr` (either may be null; null when
    both are): 'N130' + 'MA130' -> 'N130|MA130'. A code in both lists appears twice, which
    pipe_list_contains reads the same as once. -#}
{% macro pipe_list_append(first_expr, second_expr) -%}
    case
        when {{ second_expr }} is null then {{ first_expr }}
        when {{ first_expr }} is null then {{ second_expr }}
        else {{ dbt.concat([first_expr, "'|'", second_expr]) }}
    end
{%- endmacro %}
