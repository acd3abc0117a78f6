{#- The units a claim line's documented minutes support, and the authorization in force on its date of
    service: one definition for the claim audit (fct_claim_audit_failures) and the corrected claim's packet
    (packet_denied_lines). Each macro renders named CTEs over `lines`, a CTE of int_claim_lines_submitted
    rows; end the CTE before the macro with a comma. -#}

{#- timed_lines, timed_ranked, timed_supported: per timed line with documented minutes, supported_units.
    per_code counts the line's own minutes. cms_total (the CMS 8-minute rule) totals the timed minutes of the
    patient's day per discipline, across claims: each line keeps its whole 15-minute units and the day's
    leftover units go to the lines with the most remaining minutes. -#}
{% macro supported_units_ctes(lines) -%}
timed_lines as (

    select
        {{ lines }}.*,
        cast(floor(documented_minutes / 15.0) as integer) as whole_units,
        documented_minutes - 15 * cast(floor(documented_minutes / 15.0) as integer) as remainder_minutes,
        sum(documented_minutes) over (
            partition by patient_id, service_date, expected_discipline_modifier
        ) as day_timed_minutes
    from {{ lines }}
    where is_timed and documented_minutes is not null

),

timed_ranked as (

    select
        timed_lines.*,
        {{ units_for_minutes('day_timed_minutes') }} - sum(whole_units) over (
            partition by patient_id, service_date, expected_discipline_modifier
        ) as leftover_units,
        row_number() over (
            partition by patient_id, service_date, expected_discipline_modifier
            order by remainder_minutes desc, claim_id, line_number
        ) as remainder_rank
    from timed_lines

),

timed_supported as (

    select
        timed_ranked.*,
        case
            when unit_method = 'per_code' then {{ units_for_minutes('documented_minutes') }}
            else whole_units + case when remainder_rank <= leftover_units then 1 else 0 end
        end as supported_units
    from timed_ranked

)
{%- endmacro %}

{#- authorization_for_service: per line, the patient's approved authorization in force on the date of service
    that covers the line's code, whatever number the claim carries (the one ending last, then the lowest id).
    `authorizations` is a CTE of stg_ehr__authorizations rows. -#}
{% macro service_authorization_cte(lines, authorizations) -%}
authorization_for_service as (

    select *
    from (
        select
            {{ lines }}.claim_line_id,
            {{ authorizations }}.authorization_number as service_authorization_number,
            {{ authorizations }}.start_date as service_authorization_start_date,
            {{ authorizations }}.end_date as service_authorization_end_date,
            row_number() over (
                partition by {{ lines }}.claim_line_id
                order by {{ authorizations }}.end_date desc, {{ authorizations }}.authorization_id
            ) as service_rank
        from {{ lines }}
        inner join {{ authorizations }}
            on
                {{ lines }}.patient_id = {{ authorizations }}.patient_id
                and {{ authorizations }}.status = 'approved'
                and {{ lines }}.service_date between {{ authorizations }}.start_date and {{ authorizations }}.end_date
                and {{ pipe_list_contains(authorizations ~ '.cpt_codes', lines ~ '.procedure_code') }}
    ) as ranked
    where service_rank = 1

)
{%- endmacro %}
