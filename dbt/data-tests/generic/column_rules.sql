{#- A model's simple rules in one data test: dbt's built-in not_null, unique and accepted_values, and the
    unique-combination and expression tests, with the same meaning, checked in one query over the table. Each test
    is a dbt node with a fixed cost of its own whatever the table size (dbt's Python per node, a Dagster asset check
    event), so one test per model instead of one per column and rule keeps the build's node count down. Fails with
    one row per broken rule: the column (or columns, or the expression), the rule and how many rows break it; never
    a value from the table, so no patient value reaches a log or run event.

      not_null: [column, ...]      no null.
      unique: [column, ...]        no non-null value appears twice (failing_rows: rows past the first of
                                   each repeated value).
      accepted_values:             every non-null value is in the list (a null passes, as in dbt's test);
        column: [value, ...]       the values are quoted as string literals, like dbt's test by default;
        column: {values: [...], quote: false}   for numbers or booleans written as SQL.
      unique_together: [[column, column, ...], ...]   no combination appears twice, nulls grouping together
                                   (failing_rows: rows past the first of each repeated combination).
      expressions: [sql, ...]      every row makes the boolean expression true (a null result passes, as a
                                   `where not (expression)` test).
      references:                  every non-null value is a value of another model's column, as dbt's
        column: {to: ref('model'), field: column}   relationships test (failing_rows: the rows without one).

    A model's rules of one severity share one test: its warnings are a second column_rules with
    `config: {severity: warn}`. A rule with a `where` of its own stays a test of its own, and so does a reference
    to a seed: a nightly build whose seeds are unchanged leaves out every test that reads one, which would take
    the model's other rules with it. -#}
{% test column_rules(model, not_null=[], unique=[], accepted_values={}, unique_together=[], expressions=[], references={}) %}

{%- if not (not_null or unique or accepted_values or unique_together or expressions or references) -%}
    {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": give at least one of not_null, unique, accepted_values, unique_together, expressions, references") }}
{%- endif -%}
{%- if accepted_values is not mapping -%}
    {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": accepted_values maps each column to its list of values") }}
{%- endif -%}
{%- if references is not mapping -%}
    {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": references maps each column to {to: ref('model'), field: column}") }}
{%- endif -%}

{%- set rules = [] -%}
{%- for column in not_null -%}
    {%- do rules.append({"column": column, "rule": "not_null", "failing": "count(*) - count(" ~ column ~ ")"}) -%}
{%- endfor -%}
{%- for column in unique -%}
    {%- do rules.append({"column": column, "rule": "unique", "failing": "count(" ~ column ~ ") - count(distinct " ~ column ~ ")"}) -%}
{%- endfor -%}
{%- for column, spec in accepted_values.items() -%}
    {%- set values = spec["values"] if spec is mapping else spec -%}
    {%- set quote = spec.get("quote", true) if spec is mapping else true -%}
    {%- if values is string or values is not iterable or not values -%}
        {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": accepted_values of " ~ column ~ " needs a non-empty list of values") }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append(dbt.string_literal(value) if quote else value) -%}
    {%- endfor -%}
    {%- do rules.append({"column": column, "rule": "accepted_values", "failing": "count(case when " ~ column ~ " not in (" ~ literals | join(", ") ~ ") then 1 end)"}) -%}
{%- endfor -%}
{%- for columns in unique_together -%}
    {%- if columns is string or columns | length < 2 -%}
        {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": each unique_together entry is a list of two or more columns") }}
    {%- endif -%}
    {#- A scalar subquery of the same query; group by puts nulls together (two rows alike down to their nulls repeat). -#}
    {%- set repeats = "(select cast(coalesce(sum(row_count - 1), 0) as " ~ dbt.type_bigint() ~ ") from (select count(*) as row_count from "
        ~ model ~ " group by " ~ columns | join(", ") ~ ") as combinations where row_count > 1)" -%}
    {%- do rules.append({"column": columns | join(", "), "rule": "unique_together", "failing": repeats}) -%}
{%- endfor -%}
{%- for column, reference in references.items() -%}
    {%- if reference is not mapping or not reference.get("to") or not reference.get("field") -%}
        {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": references of " ~ column ~ " needs to: ref('model') and field: column") }}
    {%- endif -%}
    {#- A scalar subquery, as unique_together: the rows whose value the other model lacks. -#}
    {%- set orphans = "(select count(*) from " ~ model ~ " as child where child." ~ column ~ " is not null and not exists (select 1 from "
        ~ reference["to"] ~ " as parent where parent." ~ reference["field"] ~ " = child." ~ column ~ "))" -%}
    {%- do rules.append({"column": column, "rule": "relationships", "failing": orphans}) -%}
{%- endfor -%}
{%- for expression in expressions -%}
    {%- do rules.append({"column": expression, "rule": "expression_is_true", "failing": "count(case when not (" ~ expression ~ ") then 1 end)"}) -%}
{%- endfor %}

with

rule_counts as (

    select
        count(*) as checked_rows,  -- keeps this one row when every rule is a scalar subquery
        {%- for rule in rules %}
        {{ rule.failing }} as rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

),

rule_results as (
{% for rule in rules %}
    select
        '{{ rule.column | replace("'", "''") }}' as column_name,
        '{{ rule.rule }}' as rule_name,
        rule_{{ loop.index }} as failing_rows
    from rule_counts
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}

),

final as (

    select * from rule_results
    where failing_rows > 0

)

select * from final

{% endtest %}
