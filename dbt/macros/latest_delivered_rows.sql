{#-
    Raw tables append every delivery (the same entity arrives again in later extracts), so staging keeps
    the latest delivered row per business key: newest load first, then file name, then line.
    One definition of "latest" for every staging model; the ingest GE suites apply the same order in
    dagster_project/ingest/expectations.py (current_rows_sql): keep the two in step.
-#}
{% macro latest_delivered_rows(relation, key_columns) %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by _loaded_at desc, _file_name desc, _line_number desc
            ) as delivery_rank
        from {{ relation }}
    ) as ranked
    where delivery_rank = 1
{% endmacro %}
