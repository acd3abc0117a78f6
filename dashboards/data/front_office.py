"""Front office: referral funnel, eligibility sweep, coverage changes, plan-of-care follow-ups. Ids, channels,
payers and statuses only: no patient names, birth dates or member ids are selected."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboards.data.scope import scoped_query


def referral_funnel(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per location and channel: received, answered on time, overdue, evaluations booked, conversion."""
    return scoped_query(
        user,
        "select location_id, channel, referrals_received, referrals_responded, responded_on_time, responses_overdue, "
        "evaluations_scheduled, open_referrals, open_with_missing_items, avg_hours_to_first_response, conversion_rate "
        "from fct_referral_funnel where {scope} order by location_id, channel",
        chosen_locations=location_ids,
    )


def open_referrals(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Open referrals with their deadline, missing packet items and evaluation booking."""
    return scoped_query(
        user,
        "select referral_id, location_id, preferred_location_id, channel, status, received_at, first_response_at, "
        "first_response_due_at, is_first_response_overdue, items_missing_count, missing_items, "
        "is_evaluation_scheduled, "
        "evaluation_scheduled_at from fct_referral_pipeline where is_open and {scope} order by received_at",
        chosen_locations=location_ids,
    )


def eligibility_sweep(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Visits in the eligibility lookahead with the last check, the payer window and every reason a check is
    due, in words."""
    return scoped_query(
        user,
        "select appointment_id, location_id, appointment_date, scheduled_start_at, payer_id, payer_name, "
        "eligibility_window_hours, last_checked_at, last_check_source, last_check_status, is_check_current, "
        "is_check_due, check_due_reason_text, expected_visit_amount "
        "from fct_eligibility_sweep where {scope} order by scheduled_start_at, appointment_id",
        chosen_locations=location_ids,
    )


def coverage_changes(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Coverage-change alerts of patients with a visit in the lookahead (patient id only)."""
    return scoped_query(
        user,
        "select patient_id, location_id, payer_name, checked_at, flag_reasons, invalidated_authorization_numbers, "
        "next_visit_at, dollars_at_risk from flag_coverage_changes where {scope} order by next_visit_at, patient_id",
        chosen_locations=location_ids,
    )


def plan_of_care_followups(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Plans of care with a progress report or recertification due, or a physician signature outstanding
    (with its age and follow-up number); plan ids only, no patient data."""
    return scoped_query(
        user,
        "select plan_of_care_id, location_id, payer_id, plan_status, evaluation_date, plan_start_date, "
        "visits_since_progress_point, progress_report_every_visits, is_progress_report_due, days_to_recert, "
        "is_recert_due, signature_age_days, is_signature_overdue, signature_follow_up_number, is_pcp_order_unsigned "
        "from fct_plan_of_care_followups "
        "where (is_progress_report_due or is_recert_due or is_signature_outstanding) and {scope} "
        "order by is_signature_overdue desc, signature_age_days desc, plan_of_care_id",
        chosen_locations=location_ids,
    )
