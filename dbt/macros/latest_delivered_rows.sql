{#-
    Raw tables append every delivery (the same entity arrives again in later extracts), so staging keeps
    the latest delivered row per business key: newest load first, then file name, then line.
    Rows of a superseded file (a corrected redelivery replaced it: ingest.file_supersessions) are not
    candidates at all, so a row the correction left out disappears and a renumbered line is counted once.
    One definition of "latest" for every staging model; the ingest GE suites apply the same rule in
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
        where _file_sha256 not in (
            select superseded_sha256 from {{ source('ingest', 'file_supersessions') }}
        )
    ) as ranked
    where delivery_rank = 1
{% endmacro %}
