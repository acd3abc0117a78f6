-- Authorization burn-down at the as-of date: one row per active authorization with its usage,
-- projection, the four re-authorization flags and the dollars at risk (rules: _authorizations__models.yml).
with

authorizations as (

    select * from {{ ref('int_authorizations_joined_to_usage') }}

),

payer_rules as (

    select * from {{ ref('int_payer_rules_resolved') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

plans_of_care as (

    select * from {{ ref('int_plans_of_care_latest') }}

),

active_authorizations as (

    select * from authorizations
    where
        start_date <= {{ as_of_date() }}
        and end_date >= {{ as_of_date() }}

),

measured as (

    select
        active_authorizations.*,
        payer_rules.payer_name,
        payer_rules.reauth_lead_days,
        active_authorizations.approved_quantity - active_authorizations.used_quantity as remaining_quantity,
        {{ dbt.datediff(as_of_date(), 'active_authorizations.end_date', 'day') }}
            as days_to_expiry,
        active_authorizations.used_last_28_days_quantity / 4.0 as burn_rate_per_week,
        -- Units one kept visit uses: visits-type counts 1; units-type the average so far, 4 before any.
        case
            when active_authorizations.unit_type = 'visits' then 1.0
            when active_authorizations.kept_visit_count > 0
                then active_authorizations.used_quantity * 1.0 / active_authorizations.kept_visit_count
            else 4.0
        end as units_per_kept_visit,
        -- Units one booked visit will use, to turn uncovered units back into visits.
        case
            when active_authorizations.unit_type = 'visits' then 1.0
            when active_authorizations.scheduled_visit_count > 0 and active_authorizations.scheduled_quantity > 0
                then active_authorizations.scheduled_quantity * 1.0 / active_authorizations.scheduled_visit_count
            when active_authorizations.kept_visit_count > 0 and active_authorizations.used_quantity > 0
                then active_authorizations.used_quantity * 1.0 / active_authorizations.kept_visit_count
            else 4.0
        end as units_per_scheduled_visit
    from active_authorizations
    left join payer_rules
        on active_authorizations.payer_id = payer_rules.payer_id

),

projected as (

    select
        *,
        case
            when burn_rate_per_week > 0
                then {{ date_add_days(
                    'cast(ceil(case when remaining_quantity > 0 then remaining_quantity else 0 end'
                    ~ ' / burn_rate_per_week * 7) as integer)',
                    as_of_date()) }}
        end as projected_exhaustion_date,
        case
            when used_quantity + scheduled_quantity > approved_quantity
                then cast(
                    ceil((used_quantity + scheduled_quantity - approved_quantity) / units_per_scheduled_visit)
                    as integer
                )
            else 0
        end as scheduled_over_approved_visits
    from measured

),

flagged as (

    select
        *,
        scheduled_over_approved_visits + scheduled_after_end_count as scheduled_beyond_count,
        coalesce(not has_successor and remaining_quantity <= 2 * units_per_kept_visit, false)
            as is_in_last_two_visits,
        coalesce(not has_successor and days_to_expiry <= reauth_lead_days, false) as is_expiring_within_lead_time,
        coalesce(not has_successor and projected_exhaustion_date < end_date, false)
            as is_projected_to_exhaust_before_end,
        coalesce(
            not has_successor
            and (used_quantity + scheduled_quantity > approved_quantity or scheduled_after_end_count > 0),
            false
        ) as has_visits_scheduled_beyond_auth
    from projected

),

-- When nothing booked is uncovered yet, the visits the plan of care still expects after coverage
-- stops (projected exhaustion or end date, whichever first) through the plan's end.
expected_uncovered as (

    select
        flagged.*,
        case
            when flagged.projected_exhaustion_date < flagged.end_date then flagged.projected_exhaustion_date
            else flagged.end_date
        end as coverage_stops_date,
        plans_of_care.frequency_per_week,
        plans_of_care.plan_end_date,
        visit_rates.contracted_visit_rate,
        visit_rates.rate_source
    from flagged
    left join plans_of_care
        on flagged.patient_id = plans_of_care.patient_id
    left join visit_rates
        on
            flagged.patient_id = visit_rates.patient_id
            and flagged.payer_id = visit_rates.payer_id

),

valued as (

    select
        *,
        coalesce(
            is_in_last_two_visits
            or is_expiring_within_lead_time
            or is_projected_to_exhaust_before_end
            or has_visits_scheduled_beyond_auth,
            false
        ) as is_flagged,
        case
            when plan_end_date > coverage_stops_date
                then cast(
                    floor(
                        frequency_per_week
                        * {{ dbt.datediff('coverage_stops_date', 'plan_end_date', 'day') }}
                        / 7.0
                    )
                    as integer
                )
            else 0
        end as planned_visits_after_coverage
    from expected_uncovered

),

reasoned as (

    -- Plain-language reasons in the order of the flags; no PHI. Each piece ends in '; ', the last is trimmed.
    select
        *,
        case
            when is_in_last_two_visits
                then
                    'In the last two visits: ' || cast(remaining_quantity as {{ dbt.type_string() }}) || ' '
                    || unit_type || ' left of ' || cast(approved_quantity as {{ dbt.type_string() }}) || '; '
            else ''
        end
        || case
            when is_expiring_within_lead_time
                then
                    'Expires in ' || cast(days_to_expiry as {{ dbt.type_string() }}) || ' days, inside the '
                    || cast(reauth_lead_days as {{ dbt.type_string() }}) || '-day re-auth lead time; '
            else ''
        end
        || case
            when is_projected_to_exhaust_before_end
                then
                    'Projected to run out on ' || cast(projected_exhaustion_date as {{ dbt.type_string() }})
                    || ', before the ' || cast(end_date as {{ dbt.type_string() }}) || ' end date; '
            else ''
        end
        || case
            when has_visits_scheduled_beyond_auth
                then
                    cast(scheduled_beyond_count as {{ dbt.type_string() }}) || ' booked visits not covered; '
            else ''
        end as flag_reasons_raw
    from valued

),

final as (

    select
        authorization_id,
        authorization_number,
        location_id,
        patient_id,
        payer_id,
        payer_name,
        coverage_id,
        unit_type,
        approved_quantity,
        used_quantity,
        scheduled_quantity,
        remaining_quantity,
        kept_visit_count,
        scheduled_visit_count,
        used_last_28_days_quantity,
        cast(burn_rate_per_week as {{ dbt.type_float() }}) as burn_rate_per_week,
        projected_exhaustion_date,
        start_date,
        end_date,
        days_to_expiry,
        reauth_lead_days,
        has_successor,
        is_in_last_two_visits,
        is_expiring_within_lead_time,
        is_projected_to_exhaust_before_end,
        has_visits_scheduled_beyond_auth,
        is_flagged,
        scheduled_beyond_count,
        case
            when flag_reasons_raw <> ''
                then substring(flag_reasons_raw, 1, {{ dbt.length('flag_reasons_raw') }} - 2)
        end as flag_reasons,
        scheduled_after_end_count,
        contracted_visit_rate,
        rate_source,
        planned_visits_after_coverage,
        cast(
            case
                when not is_flagged then 0
                when scheduled_beyond_count > 0 then scheduled_beyond_count * coalesce(contracted_visit_rate, 0)
                when planned_visits_after_coverage > 1
                    then planned_visits_after_coverage * coalesce(contracted_visit_rate, 0)
                else coalesce(contracted_visit_rate, 0)
            end as decimal(12, 2)
        ) as dollars_at_risk,
        case
            when {{ date_add_days('-reauth_lead_days', 'coverage_stops_date') }} < {{ as_of_date() }}
                then {{ as_of_date() }}
            else {{ date_add_days('-reauth_lead_days', 'coverage_stops_date') }}
        end as due_date,
        cpt_codes,
        diagnosis_codes,
        {{ as_of_date() }} as as_of_date
    from reasoned

)

select * from final
