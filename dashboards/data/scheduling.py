"""Scheduling: open slots and their waitlist matches, attendance rates, lost revenue, booking mismatches and
open plans with nothing booked. Ids, dates and money only: no patient names, birth dates or member ids."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboards.data.scope import scoped_query


def open_slots_this_week(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Open slots (cancellations and unbooked template hours) in the seven days from the as-of date, in scope,
    with the slot's top three valid waitlist matches (waitlist ids) or the reason there is none."""
    return scoped_query(
        user,
        "select slot_id, location_id, provider_id, provider_name, service_line, slot_date, weekday, slot_hour, "
        "slot_state, waiting_at_location, valid_match_count, top_waitlist_id, second_waitlist_id, third_waitlist_id, "
        "no_match_reason, no_match_reason_text from fct_open_slots "
        "where slot_date between as_of_date and as_of_date + 6 and {scope} "
        "order by slot_date, slot_start_minute, location_id, slot_id",
        chosen_locations=location_ids,
    )


def slot_family_reasons(user, slot_id: str, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Every child waiting at one open slot's location, in scope: the ranked ones first (by match_rank) with the
    preferences the slot misses in words, then the excluded ones with why they cannot take it, in words."""
    return scoped_query(
        user,
        "select slot_id, location_id, waitlist_id, match_rank, is_valid_match, days_waiting, service_line, "
        "preference_misses, exclusion_reasons from fct_waitlist_slot_matches "
        "where slot_id = $slot_id and {scope} "
        "order by is_valid_match desc, match_rank, days_waiting desc, waitlist_id",
        {"slot_id": slot_id},
        chosen_locations=location_ids,
    )


def schedule_rates(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Per location in scope over the schedule-gap lookback: booked, kept, cancelled, late-cancelled and no-show
    counts and rates (each separately), idle template hours, and children under the attendance policy."""
    return scoped_query(
        user,
        "with gaps as (select location_id, sum(booked_count) as booked, sum(kept_count) as kept, "
        "sum(cancelled_count) as cancelled, sum(late_cancelled_count) as late_cancelled, "
        "sum(no_show_count) as no_show, sum(idle_hours) as idle_hours "
        "from fct_schedule_gaps where {scope} group by location_id), "
        "policy as (select location_id, max(policy_min_rate) as policy_min_rate, "
        "max(policy_window_days) as policy_window_days, "
        "sum(case when is_below_policy then 1 else 0 end) as children_below_policy, "
        "count(*) as children_counted "
        "from fct_attendance_policy where {scope} group by location_id) "
        "select gaps.location_id, gaps.booked, gaps.kept, gaps.cancelled, gaps.late_cancelled, gaps.no_show, "
        "case when gaps.booked > 0 then gaps.kept * 1.0 / gaps.booked end as kept_rate, "
        "case when gaps.booked > 0 then gaps.cancelled * 1.0 / gaps.booked end as cancelled_rate, "
        "case when gaps.booked > 0 then gaps.late_cancelled * 1.0 / gaps.booked end as late_cancelled_rate, "
        "case when gaps.booked > 0 then gaps.no_show * 1.0 / gaps.booked end as no_show_rate, "
        "gaps.idle_hours, policy.policy_min_rate, policy.policy_window_days, "
        "coalesce(policy.children_below_policy, 0) as children_below_policy, "
        "coalesce(policy.children_counted, 0) as children_counted "
        "from gaps left join policy on gaps.location_id = policy.location_id order by gaps.location_id",
        chosen_locations=location_ids,
    )


def schedule_lost_revenue_monthly(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Missed visits, refilled ones and revenue lost from the unfilled ones, per location and month, in scope."""
    return scoped_query(
        user,
        "select location_id, month_start, missed_visits, refilled_visits, lost_revenue "
        "from fct_schedule_lost_revenue_monthly where {scope} order by month_start, location_id",
        chosen_locations=location_ids,
    )


def open_plans_without_future_visit(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Children in scope with an open plan of care and nothing booked from the as-of date (by plan of care id,
    not by patient), their last kept visit and therapist, and the dollars of planned visits at risk."""
    return scoped_query(
        user,
        "select plan_of_care_id, location_id, last_provider_id, last_kept_visit_date, days_since_last_kept_visit, "
        "plan_end_date, frequency_per_week, weeks_at_risk, dollars_at_risk "
        "from fct_open_plans_without_future_visit where {scope} "
        "order by dollars_at_risk desc, location_id, plan_of_care_id",
        chosen_locations=location_ids,
    )


def booking_mismatches(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Booked visits ahead (next four weeks) in scope that fail the credential or authorization check, with the
    dollars at risk and a credentialed alternative therapist where there is one."""
    return scoped_query(
        user,
        "select appointment_id, location_id, provider_id, payer_id, visit_date, credential_check, "
        "authorization_check, alternative_provider_id, dollars_at_risk "
        "from fct_booking_checks where is_mismatch and {scope} order by visit_date, location_id, appointment_id",
        chosen_locations=location_ids,
    )
