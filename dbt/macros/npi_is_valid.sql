{#- True when an NPI is ten digits starting with 1 or 2 and its last digit is the Luhn check digit computed
    with the implied 80840 prefix (constant 24; docs/domain-reference.md section 5). The SQL twin of
    dagster_project/npi.py::is_valid_npi (the one Python definition); both are tested on 1234567893 (valid)
    and 1234567890 (invalid). Portable: substr/cast/mod only; digits are cast only once the shape is checked. -#}
{% macro npi_is_valid(npi) -%}
    (
        case
            when {{ npi }} is null or length({{ npi }}) <> 10 or substr({{ npi }}, 1, 1) not in ('1', '2')
                or translate({{ npi }}, '0123456789', '') <> ''
                then false
            else mod(
                10 - mod(
                    24
                    {%- for position in range(1, 10) %}
                    {%- if position % 2 == 1 %}
                    + case when cast(substr({{ npi }}, {{ position }}, 1) as integer) * 2 > 9
                           then cast(substr({{ npi }}, {{ position }}, 1) as integer) * 2 - 9
                           else cast(substr({{ npi }}, {{ position }}, 1) as integer) * 2 end
                    {%- else %}
                    + cast(substr({{ npi }}, {{ position }}, 1) as integer)
                    {%- endif %}
                    {%- endfor %},
                    10
                ),
                10
            ) = cast(substr({{ npi }}, 10, 1) as integer)
        end
    )
{%- endmacro %}
