{#-
    Raw tables append every delivery (the same entity arrives again in later extracts), so staging keeps
    the latest delivered row per business key: newest load first, then file name, then line.
    Rows of a superseded file (a corrected redelivery replaced it: ingest.file_supersessions) are not
    candidates at all, so a row the correction left out disappears and a renumbered line is counted once.
    One definition of "latest" for every staging model; the ingest GE suites apply the same rule in
    dagster_project/ingest/expectations.py (current_rows_sql): keep the two in step.

    In an incremental model (unique_key = the business key, incremental_strategy delete+insert, post-hook
    delete_superseded_rows(), on_schema_change fail) a run on a built table re-ranks only the
    keys that changed since its last build: keys delivered after its newest loaded_at, and keys whose
    current row came from a file since superseded. Each such key is re-ranked over all its delivered rows,
    so the answer is the same as a full rebuild; delete_superseded_rows() then drops keys left with none.
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
        from {{ relation }} as delivered
        where _file_sha256 not in (
            select superseded_sha256 from {{ source('ingest', 'file_supersessions') }}
        )
        {%- if is_incremental() %}
            and exists (
                select 1
                from (
                    select {{ key_columns | join(', ') }}
                    from {{ relation }}
                    where _loaded_at > (
                        select coalesce(max(loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                        from {{ this }}
                    )
                    union
                    select {{ key_columns | join(', ') }}
                    from {{ this }}
                    where source_file_sha256 in (
                        select superseded_sha256 from {{ source('ingest', 'file_supersessions') }}
                    )
                ) as changed
                where
                    {%- for key in key_columns %}
                    {{ 'and ' if not loop.first }}changed.{{ key }} = delivered.{{ key }}
                    {%- endfor %}
            )
        {%- endif %}
    ) as ranked
    where delivery_rank = 1
{% endmacro %}


{#- Post-hook of an incremental staging model: a key whose every delivered row is in a superseded file has no
    current row, so it goes (a full rebuild would not have it). -#}
{% macro delete_superseded_rows() %}
    delete from {{ this }}
    where source_file_sha256 in (select superseded_sha256 from {{ source('ingest', 'file_supersessions') }})
{% endmacro %}
