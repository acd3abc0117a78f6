-- The eligibility sweep: every visit booked in the lookahead (default 72 h from the as-of date) with the
-- last eligibility check before it, whether that check is inside the payer's window, and why a check is
-- due now. Each location reads time in its own zone: the as-of moment is 00:00 local on the as-of date,
-- the visit's day is its local date (the Medicaid morning-of check), and local_start_at is what a person reads.
-- Stored timestamps stay naive UTC so windows compare instant to instant.
with

appointments as (

    select * from {{ ref('stg_ehr__appointments') }}

),

coverages as (

    select * from {{ ref('stg_ehr__coverages') }}

),

payer_rules as (

    select * from {{ ref('int_front_office__payer_eligibility_rules') }}

),

checks as (

    select * from {{ ref('int_front_office__eligibility_checks') }}

),

visit_rates as (

    select * from {{ ref('int_visit_rates_resolved') }}

),

locations as (

    select * from {{ ref('stg_ehr__locations') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

location_as_of as (

    select
        locations.location_id,
        locations.time_zone,
        as_of.as_of_date,
        {{ local_as_of_utc('locations.time_zone') }} as as_of_ts
    from locations
    cross join as_of

),

-- The coverage a visit is billed to: the primary coverage in force on the as-of date (latest effective wins).
primary_coverages as (

    select
        coverages.*,
        row_number()
            over (partition by coverages.patient_id order by coverages.effective_date desc, coverages.coverage_id desc)
            as coverage_rank
    from coverages
    cross join as_of
    where
        coverages.priority = 1
        and coverages.effective_date <= as_of.as_of_date
        and (coverages.termination_date is null or coverages.termination_date >= as_of.as_of_date)

),

upcoming as (

    select
        appointments.appointment_id,
        appointments.location_id,
        appointments.patient_id,
        appointments.provider_id,
        appointments.appointment_type,
        appointments.scheduled_start_at,
        {{ local_timestamp('appointments.scheduled_start_at', 'location_as_of.time_zone') }} as local_start_at,
        cast({{ local_timestamp('appointments.scheduled_start_at', 'location_as_of.time_zone') }} as date)
            as appointment_date,
        appointments.duration_minutes,
        location_as_of.time_zone,
        location_as_of.as_of_date,
        location_as_of.as_of_ts
    from appointments
    inner join location_as_of
        on appointments.location_id = location_as_of.location_id
    where
        appointments.status = 'scheduled'
        and appointments.scheduled_start_at >= location_as_of.as_of_ts
        and appointments.scheduled_start_at
        < {{ dbt.dateadd('hour', env_int_setting('RCM_ELIGIBILITY_LOOKAHEAD_HOURS'), 'location_as_of.as_of_ts') }}

),

with_rules as (

    select
        upcoming.*,
        primary_coverages.coverage_id,
        primary_coverages.payer_id,
        payer_rules.payer_name,
        payer_rules.payer_type,
        payer_rules.is_medicaid,
        payer_rules.eligibility_window_hours,
        coalesce(payer_rules.requires_day_of_visit_check, false) as requires_day_of_visit_check,
        {{ dbt.dateadd('hour', '-1 * payer_rules.eligibility_window_hours', 'upcoming.scheduled_start_at') }}
            as window_opens_at
    from upcoming
    left join primary_coverages
        on upcoming.patient_id = primary_coverages.patient_id and primary_coverages.coverage_rank = 1
    left join payer_rules
        on primary_coverages.payer_id = payer_rules.payer_id

),

-- The latest check attempt (any outcome) and the latest usable answer before each visit starts.
ranked_checks as (

    select
        with_rules.appointment_id,
        checks.eligibility_check_id,
        checks.check_source,
        checks.checked_at,
        checks.coverage_status,
        checks.reject_reason_code,
        row_number() over (
            partition by with_rules.appointment_id
            order by checks.checked_at desc, checks.eligibility_check_id desc
        ) as attempt_rank,
        row_number() over (
            partition by with_rules.appointment_id
            order by
                case when checks.coverage_status in ('active', 'inactive') then 0 else 1 end,
                checks.checked_at desc,
                checks.eligibility_check_id desc
        ) as answer_rank
    from with_rules
    inner join checks
        on
            with_rules.patient_id = checks.patient_id
            and with_rules.scheduled_start_at >= checks.checked_at

),

judged as (

    select
        with_rules.*,
        attempts.eligibility_check_id as last_attempt_id,
        attempts.checked_at as last_attempted_at,
        attempts.coverage_status as last_attempt_status,
        attempts.reject_reason_code as last_attempt_reject_code,
        answers.eligibility_check_id as last_check_id,
        answers.check_source as last_check_source,
        answers.checked_at as last_checked_at,
        answers.coverage_status as last_check_status,
        with_rules.window_opens_at <= with_rules.as_of_ts as is_window_open,
        coalesce(answers.checked_at >= with_rules.window_opens_at, false) as is_check_current,
        (
            with_rules.requires_day_of_visit_check
            and with_rules.appointment_date = with_rules.as_of_date
            and (answers.checked_at is null or answers.checked_at < with_rules.as_of_ts)
        ) as needs_day_of_visit_recheck
    from with_rules
    left join ranked_checks as attempts
        on with_rules.appointment_id = attempts.appointment_id and attempts.attempt_rank = 1
    left join ranked_checks as answers
        on
            with_rules.appointment_id = answers.appointment_id
            and answers.answer_rank = 1
            and answers.coverage_status in ('active', 'inactive')

),

-- Why a check is due: the window reason (none, rejected or stale answer) and, for a Medicaid visit today,
-- the morning-of recheck. Both can hold at once; they stay one row with both reasons.
reasoned as (

    select
        judged.*,
        case
            when judged.is_window_open and not judged.is_check_current
                then
                    case
                        when judged.last_attempt_id is null then 'no_check'
                        when judged.last_attempt_status = 'rejected' then 'check_rejected'
                        else 'stale_check'
                    end
        end as window_reason,
        case
            when judged.is_window_open and not judged.is_check_current
                then
                    case
                        when judged.last_attempt_id is null then 'No eligibility check on file for this visit'
                        when
                            judged.last_attempt_status = 'rejected'
                            then
                                'The payer rejected the last check (AAA '
                                || coalesce(judged.last_attempt_reject_code, '?') || ')'
                        else
                            'The last check is older than the payer window of '
                            || cast(judged.eligibility_window_hours as {{ dbt.type_string() }}) || ' hours'
                    end
        end as window_reason_text,
        case
            when judged.needs_day_of_visit_recheck then 'Medicaid: recheck eligibility the morning of the visit'
        end as day_of_visit_text
    from judged

),

final as (

    select
        reasoned.appointment_id,
        reasoned.location_id,
        reasoned.patient_id,
        reasoned.provider_id,
        reasoned.appointment_type,
        reasoned.scheduled_start_at,
        reasoned.local_start_at,
        reasoned.time_zone,
        reasoned.appointment_date,
        reasoned.coverage_id,
        reasoned.payer_id,
        reasoned.payer_name,
        reasoned.payer_type,
        reasoned.is_medicaid,
        reasoned.eligibility_window_hours,
        reasoned.requires_day_of_visit_check,
        reasoned.window_opens_at,
        reasoned.last_attempt_id,
        reasoned.last_attempted_at,
        reasoned.last_attempt_status,
        reasoned.last_attempt_reject_code,
        reasoned.last_check_id,
        reasoned.last_check_source,
        reasoned.last_checked_at,
        reasoned.last_check_status,
        case
            when reasoned.last_checked_at is not null
                then {{ dbt.datediff('reasoned.last_checked_at', 'reasoned.scheduled_start_at', 'hour') }}
        end as hours_from_check_to_visit,
        reasoned.is_window_open,
        reasoned.is_check_current,
        reasoned.needs_day_of_visit_recheck,
        reasoned.window_reason is not null or reasoned.needs_day_of_visit_recheck as is_check_due,
        coalesce(
            reasoned.window_reason, case when reasoned.needs_day_of_visit_recheck then 'day_of_visit_recheck' end
        ) as check_due_reason,
        case
            when reasoned.window_reason is not null and reasoned.needs_day_of_visit_recheck
                then reasoned.window_reason || '|day_of_visit_recheck'
            when reasoned.window_reason is not null then reasoned.window_reason
            when reasoned.needs_day_of_visit_recheck then 'day_of_visit_recheck'
        end as check_due_reasons,
        coalesce(
            reasoned.window_reason_text || '; and ' || reasoned.day_of_visit_text,
            reasoned.window_reason_text,
            reasoned.day_of_visit_text
        ) as check_due_reason_text,
        cast(visit_rates.contracted_visit_rate as decimal(12, 2)) as expected_visit_amount,
        reasoned.as_of_date
    from reasoned
    left join visit_rates
        on reasoned.patient_id = visit_rates.patient_id and reasoned.payer_id = visit_rates.payer_id

)

select * from final
