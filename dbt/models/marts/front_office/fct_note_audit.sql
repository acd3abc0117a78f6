-- The nightly note audit: every visit of the last RCM_NOTE_AUDIT_LOOKBACK_DAYS days against
-- the group's note requirements: signed within the payer's signing window of the visit's end (seed
-- front_office_note_signing_windows: the payer's row, else the default row), minutes documented for every
-- timed code billed, billed units supported by the documented minutes under the payer's unit method
-- (payer_rules.unit_method: cms_total = the 8-minute rule on the day's total timed minutes, per_code = each
-- code on its own), every billed code documented, goals addressed.
-- The window runs on the location's clock: the deadline is the visit's local end time plus the window's
-- hours (signing_deadline_local: a 48-hour note of a Friday 4 pm visit is due Sunday 4 pm there, across a
-- daylight-saving change too), and a note is unsigned past it when that fell before the as-of moment there
-- (00:00 local time on the as-of date), so a late-evening visit in Denver is judged on Denver's clock.
with

visits as (

    select * from {{ ref('stg_ehr__visits') }}

),

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

payers as (

    select * from {{ ref('dim_payers') }}

),

notes as (

    select * from {{ ref('stg_ehr__visit_notes') }}

),

note_lines as (

    select * from {{ ref('int_front_office__note_lines') }}

),

visit_amounts as (

    select * from {{ ref('int_visit_contracted_amounts') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

signing_windows as (

    select * from {{ ref('front_office_note_signing_windows') }}

),

audited as (

    select
        visits.visit_id,
        visits.claim_id,
        visits.location_id,
        visits.patient_id,
        visits.provider_id,
        visits.date_of_service,
        coverages.payer_id,
        coalesce(payers.unit_method, 'cms_total') as unit_method,
        locations.time_zone,
        coalesce(payer_window.signing_window_hours, default_window.signing_window_hours) as signing_window_hours,
        {{ dbt.dateadd('minute', 'appointments.duration_minutes', 'appointments.scheduled_start_at') }}
            as visit_ended_at,
        {{ local_as_of_utc('locations.time_zone') }} as as_of_ts
    from visits
    inner join appointments
        on visits.appointment_id = appointments.appointment_id
    inner join locations
        on visits.location_id = locations.location_id
    left join coverages
        on visits.coverage_id = coverages.coverage_id
    left join payers
        on coverages.payer_id = payers.payer_id
    left join signing_windows as payer_window
        on coverages.payer_id = payer_window.payer_id
    left join signing_windows as default_window
        on default_window.payer_id is null
    where
        visits.date_of_service < {{ as_of_date() }}
        and visits.date_of_service
        >= {{ date_add_days('-' ~ env_int_setting('RCM_NOTE_AUDIT_LOOKBACK_DAYS'), as_of_date()) }}

),

note_headers as (

    select
        visit_id,
        max(signed_at) as signed_at,
        min(case when signed_at is null then 0 else 1 end) = 1 as is_signed,
        max(goals_addressed) as goals_addressed,
        count(*) as documented_code_count
    from notes
    group by visit_id

),

-- Units: only timed codes billed and documented with minutes count (undocumented codes and codes with
-- no minutes are failures of their own).
unit_checks as (

    select
        visit_id,
        sum(case when is_timed and not is_documented then 1 else 0 end) as timed_codes_undocumented,
        sum(case when not is_documented then 1 else 0 end) as codes_not_documented,
        sum(case when is_timed and is_documented and coalesce(documented_minutes, 0) = 0 then 1 else 0 end)
            as timed_codes_without_minutes,
        sum(case when is_timed and documented_minutes > 0 then billed_units else 0 end) as billed_timed_units,
        sum(case when is_timed and documented_minutes > 0 then documented_minutes else 0 end)
            as documented_timed_minutes,
        sum(
            case when is_timed and documented_minutes > 0 and per_code_supported_units <> billed_units then 1 else 0 end
        )
            as per_code_mismatches,
        {{ dbt.listagg("case when not is_documented then cpt_code end", "'|'", 'order by cpt_code') }}
            as undocumented_cpt_codes
    from note_lines
    group by visit_id

),

judged as (

    select
        audited.*,
        note_headers.signed_at,
        {{ dbt.dateadd('hour', 'audited.signing_window_hours', local_timestamp('audited.visit_ended_at', 'audited.time_zone')) }}  -- noqa: LT05
            as signing_deadline_local,
        coalesce(note_headers.goals_addressed, 0) as goals_addressed,
        note_headers.visit_id is not null as has_note,
        coalesce(unit_checks.billed_timed_units, 0) as billed_timed_units,
        coalesce(unit_checks.documented_timed_minutes, 0) as documented_timed_minutes,
        case
            when coalesce(unit_checks.documented_timed_minutes, 0) >= 8
                then {{ units_for_minutes('unit_checks.documented_timed_minutes') }}
            else 0
        end as cms_total_supported_units,
        coalesce(unit_checks.per_code_mismatches, 0) as per_code_mismatches,
        coalesce(unit_checks.timed_codes_without_minutes, 0) as timed_codes_without_minutes,
        coalesce(unit_checks.codes_not_documented, 0) as codes_not_documented,
        unit_checks.undocumented_cpt_codes
    from audited
    left join note_headers
        on audited.visit_id = note_headers.visit_id
    left join unit_checks
        on audited.visit_id = unit_checks.visit_id

),

-- The local deadline as the UTC instant it names, to compare with the extracts' UTC timestamps.
deadlines as (

    select
        judged.*,
        {{ utc_from_local('judged.signing_deadline_local', 'judged.time_zone') }} as signing_deadline_at
    from judged

),

flags as (

    select
        deadlines.*,
        case
            when signed_at is not null
                then {{ dbt.datediff('visit_ended_at', 'signed_at', 'minute') }} / 60.0  -- noqa: LT05
        end as hours_to_sign,
        signed_at is not null and signed_at > signing_deadline_at as is_signed_late,
        signed_at is null and signing_deadline_at < as_of_ts as is_unsigned_past_window,
        has_note and timed_codes_without_minutes > 0 as is_timed_minutes_missing,
        case
            when unit_method = 'per_code' then per_code_mismatches > 0
            else cms_total_supported_units <> billed_timed_units
        end as is_units_inconsistent,
        codes_not_documented > 0 as is_cpt_not_documented,
        has_note and goals_addressed = 0 as is_no_goals_addressed
    from deadlines

),

final as (

    select
        flags.visit_id,
        flags.claim_id,
        flags.location_id,
        flags.patient_id,
        flags.provider_id,
        flags.payer_id,
        flags.unit_method,
        flags.date_of_service,
        flags.visit_ended_at,
        flags.signed_at,
        flags.signing_window_hours,
        flags.signing_deadline_at,
        flags.signing_deadline_local,
        flags.hours_to_sign,
        flags.has_note,
        flags.goals_addressed,
        flags.billed_timed_units,
        flags.documented_timed_minutes,
        flags.cms_total_supported_units,
        flags.per_code_mismatches,
        flags.undocumented_cpt_codes,
        flags.is_signed_late,
        flags.is_unsigned_past_window,
        flags.is_timed_minutes_missing,
        flags.is_units_inconsistent,
        flags.is_cpt_not_documented,
        flags.is_no_goals_addressed,
        (
            flags.is_signed_late or flags.is_unsigned_past_window or flags.is_timed_minutes_missing
            or flags.is_units_inconsistent or flags.is_cpt_not_documented or flags.is_no_goals_addressed
        ) as is_failing,
        concat_ws(
            '; ',
            case when flags.is_signed_late then 'note signed after the signing window' end,
            case when flags.is_unsigned_past_window then 'note not signed and the signing window has passed' end,
            case when flags.is_timed_minutes_missing then 'no minutes documented for a timed code' end,
            case
                when
                    flags.is_units_inconsistent
                    then 'billed units not supported by the documented minutes (' || flags.unit_method || ')'
            end,
            case
                when flags.is_cpt_not_documented then 'billed code not in the note: ' || flags.undocumented_cpt_codes
            end,
            case when flags.is_no_goals_addressed then 'no plan-of-care goal addressed' end
        ) as failure_reasons,
        cast(coalesce(visit_amounts.contracted_amount, 0) as decimal(12, 2)) as contracted_amount,
        {{ as_of_date() }} as as_of_date
    from flags
    left join visit_amounts
        on flags.visit_id = visit_amounts.visit_id

)

select * from final
