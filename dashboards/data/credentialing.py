"""Credentialing and payroll. Staff data only (no patient fields are selected)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboards.data.scope import require_role, scoped_query

PAYROLL_ROLES = frozenset({"director", "admin"})


def credential_matrix(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per provider and credential type in scope, with days to expiry and the reminder tier."""
    return scoped_query(
        user,
        "select provider_id, provider_name, provider_discipline, location_id, credential_type, credential_number, "
        "issuing_state, rule_expiry_date, days_to_expiry, reminder_tier, required_for_billing, renewal_link "
        "from fct_credential_matrix where {scope} order by location_id, provider_name, credential_type",
        chosen_locations=location_ids,
    )


def provider_enrollments(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per provider, location and payer in scope: enrollment status and whether they can bill today."""
    return scoped_query(
        user,
        "select provider_id, provider_name, location_id, payer_id, payer_name, enrollment_status, effective_date, "
        "termination_date, can_bill_today, blocking_reason "
        "from fct_provider_payer_enrollments where {scope} order by location_id, provider_name, payer_id",
        chosen_locations=location_ids,
    )


def unbillable_scheduled_visits(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Booked visits in the look-ahead that the therapist cannot bill on their date (ids only, no patient data)."""
    return scoped_query(
        user,
        "select appointment_id, provider_id, location_id, payer_id, appointment_date, blocking_reason, dollars_at_risk "
        "from fct_scheduled_visit_billing where not can_bill_on_visit_date and {scope} "
        "order by appointment_date, appointment_id",
        chosen_locations=location_ids,
    )


def claim_holds(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    return scoped_query(
        user,
        "select provider_id, provider_name, location_id, payer_name, hold_status, release_date, held_claim_count, "
        "before_effective_count, dollars_at_risk from flag_claims_on_enrollment_holds where {scope} "
        "order by location_id, provider_name",
        chosen_locations=location_ids,
    )


def payroll_discrepancies(user, *, location_ids: Sequence[str] | None = None, open_only: bool = True) -> pd.DataFrame:
    """Days whose timesheet and sessions disagree (flagged = in a pay period payroll has not run for)."""
    _require_payroll_role(user)
    flagged = "is_flagged" if open_only else "discrepancy_type is not null"
    return scoped_query(
        user,
        "select provider_id, location_id, work_date, pay_period_start, pay_period_end, payroll_run_date, "
        "discrepancy_type, session_count, session_hours, clinical_hours, hours_difference "
        f"from fct_payroll_reconciliation where {flagged} and {{scope}} order by work_date desc, provider_id",
        chosen_locations=location_ids,
    )


def payroll_productivity(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    _require_payroll_role(user)
    return scoped_query(
        user,
        "select provider_id, provider_name, location_id, pay_period_start, pay_period_end, billed_units, "
        "paid_worked_hours, units_per_paid_hour, productivity_target_units_per_hour, is_below_target "
        "from fct_payroll_productivity where {scope} order by pay_period_start desc, provider_name",
        chosen_locations=location_ids,
    )


def _require_payroll_role(user) -> None:
    require_role(user, PAYROLL_ROLES, "Payroll reconciliation is for directors and administrators.")
