"""The dashboard's only door to data: the published serving snapshot (read-only DuckDB) and the action ledger.

Location scoping is enforced here, in SQL (or in the ledger's own scoped API), never by hiding widgets:
every function takes the signed-in `User` and returns only rows of the locations that user may see.
Views call these functions and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.settings import PROJECT_ROOT, get_settings
from ledger import AGE_BUCKETS, REASSIGN_SUPERVISOR_ROLES, USER_ADMIN_ROLES  # noqa: F401  (the views read them here)

ALL_LOCATIONS = "*"
AUDIT_ROLES = frozenset({"director", "admin"})

# The four burn-down flags, in the order the flag mart explains them (column -> plain label).
AUTH_FLAGS: dict[str, str] = {
    "is_in_last_two_visits": "In the last two visits/units",
    "is_expiring_within_lead_time": "Expiring within the payer's lead time",
    "is_projected_to_exhaust_before_end": "Projected to run out before the end date",
    "has_visits_scheduled_beyond_auth": "Visits scheduled beyond the authorization",
}

# Columns the dashboard reads from the burn-down mart. Listed explicitly (never `select *`) so PHI packet
# fields of the flag mart (names, birth dates, member ids) never reach the dashboard: minimum necessary.
_BURNDOWN_COLUMNS = (
    "authorization_id, authorization_number, location_id, patient_id, payer_id, payer_name, unit_type, "
    "approved_quantity, used_quantity, scheduled_quantity, remaining_quantity, burn_rate_per_week, "
    "projected_exhaustion_date, start_date, end_date, days_to_expiry, reauth_lead_days, "
    + ", ".join(AUTH_FLAGS)
    + ", scheduled_beyond_count, dollars_at_risk, is_flagged"
)


class NoSnapshot(RuntimeError):
    """No serving snapshot has been published yet (or the pointer names a file that is gone)."""


class NotAllowed(RuntimeError):
    """The signed-in user's role may not see this screen."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    published_at: str
    as_of_date: str
    run_id: str


# --------------------------------------------------------------------------------------------------
# Snapshot access


def current_snapshot() -> Snapshot:
    """Read the serving pointer. Raises NoSnapshot with a message a person can act on."""
    settings = get_settings()
    pointer = settings.serving_pointer
    if not pointer.exists():
        raise NoSnapshot(
            "No data has been published yet. Run the pipeline once; the dashboard shows its results "
            "as soon as the publish step finishes."
        )
    try:
        payload = json.loads(pointer.read_text())
        path = Path(payload["snapshot_path"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NoSnapshot(f"The serving pointer {pointer.name} is unreadable ({type(exc).__name__}).") from exc
    if not path.is_absolute():
        # A relative path is read next to the pointer first, then from the project root.
        candidates = [pointer.parent / path, PROJECT_ROOT / path]
        path = next((c for c in candidates if c.exists()), candidates[0])
    if not path.exists():
        raise NoSnapshot("The published snapshot file is missing. Re-run the pipeline's publish step.")
    # Decision 2 of the design: the dashboard never opens the pipeline's working file, even read-only
    # (a read-only open still conflicts with the writer's lock).
    if path.resolve() == settings.warehouse_path.resolve():
        raise NoSnapshot("The serving pointer names the pipeline's working warehouse; refusing to open it.")
    return Snapshot(
        path=path,
        published_at=str(payload.get("published_at", "")),
        as_of_date=str(payload.get("as_of_date", "")),
        run_id=str(payload.get("run_id", "")),
    )


def _query(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one parameterised query on a short-lived read-only connection to the current snapshot.

    A new connection per query keeps the dashboard from holding a file the publisher may later delete,
    and picks up a newly published snapshot on the next rerun.
    """
    snapshot = current_snapshot()
    with duckdb.connect(str(snapshot.path), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def _scope(user, column: str = "location_id") -> tuple[str, list[str]]:
    """SQL predicate and parameters limiting `column` to the user's locations."""
    if ALL_LOCATIONS in user.locations:
        return "true", []
    locations = sorted(user.locations)
    if not locations:
        return "false", []
    return f"{column} in ({', '.join('?' for _ in locations)})", locations


def _in_list(column: str, values: Sequence[str] | None) -> tuple[str, list[str]]:
    if not values:
        return "true", []
    return f"{column} in ({', '.join('?' for _ in values)})", list(values)


# --------------------------------------------------------------------------------------------------
# Snapshot queries (all scoped)


def locations(user) -> pd.DataFrame:
    scope, params = _scope(user)
    return _query(
        f"select location_id, location_name, city, state from dim_locations where {scope} order by location_id",
        params,
    )


def leak_summary(user) -> pd.DataFrame:
    """One row per location and leak area in scope, with flagged counts and dollars at risk."""
    scope, params = _scope(user)
    return _query(
        "select location_id, location_name, leak_area, flagged_count, active_count, dollars_at_risk, as_of_date "
        f"from fct_location_leak_summary where {scope} order by location_id, leak_area",
        params,
    )


def authorization_burndown(
    user,
    *,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    flagged_only: bool = False,
) -> pd.DataFrame:
    """Active authorizations in scope, most money at risk first.

    `flags` keeps rows where any of the named flag columns is true (names from AUTH_FLAGS).
    """
    unknown = set(flags or ()) - set(AUTH_FLAGS)
    if unknown:
        raise ValueError(f"unknown flag columns: {sorted(unknown)}")
    scope, params = _scope(user)
    loc_sql, loc_params = _in_list("location_id", location_ids)
    payer_sql, payer_params = _in_list("payer_id", payer_ids)
    # Flag names are checked against AUTH_FLAGS above, so they are safe identifiers, not user values.
    flag_sql = "(" + " or ".join(flags) + ")" if flags else "true"
    flagged_sql = "is_flagged" if flagged_only else "true"
    return _query(
        f"select {_BURNDOWN_COLUMNS} from fct_authorization_burndown "
        f"where {scope} and {loc_sql} and {payer_sql} and {flag_sql} and {flagged_sql} "
        "order by dollars_at_risk desc nulls last, end_date, authorization_id",
        [*params, *loc_params, *payer_params],
    )


def authorization(user, authorization_id: str) -> dict | None:
    """One authorization in scope with its flag reasons and due date (None when not visible)."""
    scope, params = _scope(user, "b.location_id")
    frame = _query(
        f"select {', '.join('b.' + c.strip() for c in _BURNDOWN_COLUMNS.split(','))}, "
        "f.flag_id, f.flag_reasons, f.due_date "
        "from fct_authorization_burndown b "
        "left join flag_auths_needing_reauth f on f.authorization_id = b.authorization_id "
        f"where {scope} and b.authorization_id = ?",
        [*params, authorization_id],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def payers(user) -> pd.DataFrame:
    scope, params = _scope(user)
    return _query(
        f"select distinct payer_id, payer_name from fct_authorization_burndown where {scope} order by payer_name",
        params,
    )


def quarantine(user) -> pd.DataFrame:
    """What ingest quarantined and why. Quarantine rows carry no location: group-wide users only."""
    _require_all_locations(user)
    return _query(
        "select quarantined_at, source, file_name, line_number, reason from ingest_quarantine "
        "order by quarantined_at desc, file_name, line_number"
    )


def file_ledger(user) -> pd.DataFrame:
    _require_all_locations(user)
    return _query(
        "select received_at, source, file_name, status, rows_loaded, rows_quarantined, file_sha256 "
        "from ingest_file_ledger order by received_at desc, file_name"
    )


def _require_all_locations(user) -> None:
    if ALL_LOCATIONS not in user.locations:
        raise NotAllowed(
            "Ingest files cover every location, so only users with access to all locations can see them."
        )


# --------------------------------------------------------------------------------------------------
# Action ledger (the ledger API scopes by user itself; we filter again so a scoping bug there cannot leak)


def _ledger():
    from dashboards.auth import ledger  # late import: auth imports Streamlit, tests of data.py need not

    return ledger()


def actions(
    user,
    *,
    statuses: Sequence[str] | None = None,
    action_types: Sequence[str] | None = None,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
) -> list[dict]:
    """Ledger actions in scope, most money first, then the earliest due date."""
    rows = _ledger().list_actions(
        user,
        statuses=list(statuses) if statuses else None,
        action_types=list(action_types) if action_types else None,
        location_ids=list(location_ids) if location_ids else None,
        payer_ids=list(payer_ids) if payer_ids else None,
    )
    return [r for r in rows if user.can_see(r["location_id"])]  # the ledger sorts (in SQL)


def top_open_actions(user, limit: int = 10) -> list[dict]:
    """The first `limit` open actions of the board's order; one SQL page, not the whole queue."""
    return action_queue(user, statuses=["open"], page_size=limit).rows


def action(user, action_id: str) -> dict | None:
    """One action in scope, or None. The ledger audits every call as a view: call it once per card opened."""
    return _ledger().get_action(user, action_id)


def action_events(user, action_id: str) -> list[dict]:
    return _ledger().action_events(user, action_id)


def save_draft(user, action_id: str, new_body: str) -> None:
    _ledger().edit_draft(user, action_id, new_body)


def approve(user, action_id: str) -> None:
    _ledger().approve(user, action_id)


def reject(user, action_id: str, reason: str) -> None:
    if not reason.strip():
        raise ValueError("A reason is required to reject a draft.")
    _ledger().reject(user, action_id, reason.strip())


def snooze(user, action_id: str, until: date) -> None:
    _ledger().snooze(user, action_id, until)


def record_view(user, *, event_type: str, location_id: str | None, detail: dict) -> None:
    """Audit a view of a patient-level record (HIPAA audit controls); detail holds references, not PHI."""
    _ledger().record(event_type, user.username, actor_role=user.role, location_id=location_id, detail=detail)


def audit_trail(user, *, limit: int = 500, event_types: Sequence[str] | None = None) -> list[dict]:
    if user.role not in AUDIT_ROLES:
        raise NotAllowed("The audit trail is for directors and administrators.")
    rows = _ledger().audit_events(user, limit=limit, event_types=list(event_types) if event_types else None)
    # Group-wide events (sign-ins, user changes) carry no location; location events must be in scope, and so
    # must every location an event names in its detail (an export of several locations carries them there).
    return [r for r in rows
            if (r.get("location_id") is None or user.can_see(r["location_id"]))
            and all(user.can_see(loc) for loc in (r.get("detail") or {}).get("location_ids") or ())]


def verify_audit_chain(user) -> tuple[bool, Any]:
    if user.role not in AUDIT_ROLES:
        raise NotAllowed("The audit trail is for directors and administrators.")
    return _ledger().verify_audit_chain()


DECIDABLE_STATUSES = frozenset({"open", "snoozed"})


def decision_block_reason(user, action: dict) -> str | None:
    """Why this user cannot edit/approve/reject/snooze this action now, or None when they can.

    The ledger enforces the same rules; this only lets the board say why a button is disabled.
    """
    from emitters.registry import can_approve

    if action["status"] not in DECIDABLE_STATUSES:
        return f"This action is {action['status'].replace('_', ' ')}; only open or snoozed drafts can be decided."
    if not can_approve(user, action["action_type"], action["location_id"]):
        return (
            f"Your role ({user.role.replace('_', ' ')}) cannot approve "
            f"{action['action_type'].replace('_', ' ')} actions at {action['location_id']}."
        )
    return None


# --------------------------------------------------------------------------------------------------
# Credentialing and payroll (issue 5). Staff data only (no patient fields are selected).

PAYROLL_ROLES = frozenset({"director", "admin"})


def credential_matrix(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per provider and credential type in scope, with days to expiry and the reminder tier."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select provider_id, provider_name, provider_discipline, location_id, credential_type, credential_number, "
        "issuing_state, rule_expiry_date, days_to_expiry, reminder_tier, required_for_billing, renewal_link "
        f"from fct_credential_matrix where {scope} and {chosen} order by location_id, provider_name, credential_type",
        [*params, *chosen_params],
    )


def provider_enrollments(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per provider, location and payer in scope: enrollment status and whether they can bill today."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select provider_id, provider_name, location_id, payer_id, payer_name, enrollment_status, effective_date, "
        "termination_date, can_bill_today, blocking_reason "
        f"from fct_provider_payer_enrollments where {scope} and {chosen} order by location_id, provider_name, payer_id",
        [*params, *chosen_params],
    )


def unbillable_scheduled_visits(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Booked visits in the look-ahead that the therapist cannot bill on their date (ids only, no patient data)."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select appointment_id, provider_id, location_id, payer_id, appointment_date, blocking_reason, dollars_at_risk "
        f"from fct_scheduled_visit_billing where not can_bill_on_visit_date and {scope} and {chosen} "
        "order by appointment_date, appointment_id",
        [*params, *chosen_params],
    )


def claim_holds(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select provider_id, provider_name, location_id, payer_name, hold_status, release_date, held_claim_count, "
        f"before_effective_count, dollars_at_risk from flag_claims_on_enrollment_holds where {scope} and {chosen} "
        "order by location_id, provider_name",
        [*params, *chosen_params],
    )


def _require_payroll_role(user) -> None:
    if user.role not in PAYROLL_ROLES:
        raise NotAllowed("Payroll reconciliation is for directors and administrators.")


def payroll_discrepancies(user, *, location_ids: Sequence[str] | None = None, open_only: bool = True) -> pd.DataFrame:
    """Days whose timesheet and sessions disagree (flagged = in a pay period payroll has not run for)."""
    _require_payroll_role(user)
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    flagged = "is_flagged" if open_only else "discrepancy_type is not null"
    return _query(
        "select provider_id, location_id, work_date, pay_period_start, pay_period_end, payroll_run_date, "
        "discrepancy_type, session_count, session_hours, clinical_hours, hours_difference "
        f"from fct_payroll_reconciliation where {flagged} and {scope} and {chosen} order by work_date desc, provider_id",
        [*params, *chosen_params],
    )


def payroll_productivity(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    _require_payroll_role(user)
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select provider_id, provider_name, location_id, pay_period_start, pay_period_end, billed_units, "
        "paid_worked_hours, units_per_paid_hour, productivity_target_units_per_hour, is_below_target "
        f"from fct_payroll_productivity where {scope} and {chosen} order by pay_period_start desc, provider_name",
        [*params, *chosen_params],
    )


# --------------------------------------------------------------------------------------------------
# Front office (issue 6): referral funnel and eligibility sweep. Ids, channels, payers and statuses only:
# no patient names, birth dates or member ids are selected.


def referral_funnel(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per location and channel: received, answered on time, overdue, evaluations booked, conversion."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select location_id, channel, referrals_received, referrals_responded, responded_on_time, responses_overdue, "
        "evaluations_scheduled, open_referrals, open_with_missing_items, avg_hours_to_first_response, conversion_rate "
        f"from fct_referral_funnel where {scope} and {chosen} order by location_id, channel",
        [*params, *chosen_params],
    )


def open_referrals(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Open referrals with their deadline, missing packet items and evaluation booking."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select referral_id, location_id, preferred_location_id, channel, status, received_at, first_response_at, "
        "first_response_due_at, is_first_response_overdue, items_missing_count, missing_items, is_evaluation_scheduled, "
        "evaluation_scheduled_at from fct_referral_pipeline "
        f"where is_open and {scope} and {chosen} order by received_at",
        [*params, *chosen_params],
    )


def eligibility_sweep(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Visits in the eligibility lookahead with the last check, the payer window and why a check is due."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select appointment_id, location_id, appointment_date, scheduled_start_at, payer_id, payer_name, "
        "eligibility_window_hours, last_checked_at, last_check_source, last_check_status, is_check_current, "
        "is_check_due, check_due_reason, expected_visit_amount "
        f"from fct_eligibility_sweep where {scope} and {chosen} order by scheduled_start_at, appointment_id",
        [*params, *chosen_params],
    )


def coverage_changes(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Coverage-change alerts of patients with a visit in the lookahead (patient id only)."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select patient_id, location_id, payer_name, checked_at, flag_reasons, invalidated_authorization_numbers, "
        "next_visit_at, dollars_at_risk "
        f"from flag_coverage_changes where {scope} and {chosen} order by next_visit_at, patient_id",
        [*params, *chosen_params],
    )


def plan_of_care_followups(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Plans of care with a progress report or recertification due, or a physician signature outstanding
    (with its age and follow-up number); plan ids only, no patient data."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select plan_of_care_id, location_id, payer_id, plan_status, evaluation_date, plan_start_date, "
        "visits_since_progress_point, progress_report_every_visits, is_progress_report_due, days_to_recert, "
        "is_recert_due, signature_age_days, is_signature_overdue, signature_follow_up_number, is_pcp_order_unsigned "
        "from fct_plan_of_care_followups "
        f"where (is_progress_report_due or is_recert_due or is_signature_outstanding) and {scope} and {chosen} "
        "order by is_signature_overdue desc, signature_age_days desc, plan_of_care_id",
        [*params, *chosen_params],
    )


# --------------------------------------------------------------------------------------------------
# Claims area: pre-submission claim audit (ids and codes only, no patient data)


def claim_clean_rate(user, *, location_ids: Sequence[str] | None = None,
                     payer_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per location, payer and month of service in scope: claims, clean claims, clean-claim rate."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    payers_sql, payer_params = _in_list("payer_id", payer_ids)
    return _query(
        "select location_id, payer_id, payer_name, service_month, claim_count, clean_claim_count, failed_claim_count, "
        "failed_charge_amount, clean_claim_rate, benchmark_rate "
        f"from fct_claim_clean_rate where {scope} and {chosen} and {payers_sql} "
        "order by location_id, payer_id, service_month",
        [*params, *chosen_params, *payer_params],
    )


def claim_audit_failures(user, *, location_ids: Sequence[str] | None = None, payer_ids: Sequence[str] | None = None,
                         rule_names: Sequence[str] | None = None, open_only: bool = False) -> pd.DataFrame:
    """One row per claim line and failed audit rule in scope (claim ids, codes and the fix; no patient data)."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    payers_sql, payer_params = _in_list("payer_id", payer_ids)
    rules_sql, rule_params = _in_list("rule_name", rule_names)
    open_sql = "not is_remitted" if open_only else "true"
    return _query(
        "select claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, modifiers, "
        "units, charge_amount, place_of_service, rule_name, failure_detail, fix, is_remitted "
        f"from fct_claim_audit_failures where {scope} and {chosen} and {payers_sql} and {rules_sql} and {open_sql} "
        "order by service_date desc, claim_id, line_number, rule_name",
        [*params, *chosen_params, *payer_params, *rule_params],
    )


DENIAL_ACTION_TYPES = ("corrected_claim", "appeal_letter", "denial_followup")


def denials(user, *, location_ids: Sequence[str] | None = None, payer_ids: Sequence[str] | None = None,
            categories: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per denied claim line in scope (claim ids and codes, no patient data), with whether a drafted
    action for it is being worked in the ledger (work_status: the action's status, or 'not drafted')."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    payers_sql, payer_params = _in_list("payer_id", payer_ids)
    category_sql, category_params = _in_list("denial_category", categories)
    frame = _query(
        "select work_flag_id, claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, "
        "denial_group_code, denial_carc, remark_codes, denial_category, route, has_appeal_rights, dollars_at_risk, "
        "denial_date, days_since_denial, aging_bucket, deadline_date, days_left, is_past_deadline "
        f"from fct_denials where {scope} and {chosen} and {payers_sql} and {category_sql} "
        "order by days_left nulls last, claim_id, line_number",
        [*params, *chosen_params, *payer_params, *category_params],
    )
    status_by_flag = {a["flag_id"]: a["status"] for a in actions(user, action_types=DENIAL_ACTION_TYPES)}
    frame["work_status"] = [status_by_flag.get(f, "not drafted") for f in frame["work_flag_id"]]
    return frame


def underpayments(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per paid claim line in scope paid below the contracted allowed amount, with the variance."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select claim_id, line_number, location_id, payer_id, payer_name, service_date, procedure_code, billed_units, "
        "payment_date, contracted_allowed_amount, paid_allowed_amount, variance_amount "
        f"from fct_underpayments where {scope} and {chosen} order by variance_amount desc, claim_id",
        [*params, *chosen_params],
    )


def unbalanced_remits(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per 835 line, claim or transaction in scope that breaks a balancing rule (file, ST, CLP, rule, difference)."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select source_file_name, transaction_control_number, payment_date, payer_name, location_id, claim_id, "
        "line_number, balancing_rule, rule_text, expected_amount, reported_amount, difference_amount "
        f"from fct_unbalanced_remits where {scope} and {chosen} "
        "order by payment_date desc, source_file_name, claim_id nulls first, line_number nulls first",
        [*params, *chosen_params],
    )


def visit_claim_reconciliation(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per visit (or claim with no visit) in scope: reconciliation status against claims and payments."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select visit_id, claim_id, location_id, service_date, appointment_status, reconciliation_status, is_exception, "
        "charge_amount, claim_charge_amount, net_paid_amount, latest_payment_date "
        f"from fct_visit_claim_reconciliation where {scope} and {chosen} "
        "order by is_exception desc, service_date desc, claim_id",
        [*params, *chosen_params],
    )


def claims_payment_flags(user, flag_model: str, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows in scope of one claims payment flag mart (ids, codes, money and deadlines; no patient data)."""
    columns = CLAIMS_PAYMENT_FLAG_COLUMNS[flag_model]  # a fixed list: the model name never comes from a user
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    frame = _query(f"select {', '.join(columns)} from {flag_model} where {scope} and {chosen} "
                   "order by due_date nulls last, claim_id", [*params, *chosen_params])
    status_by_flag = {a["flag_id"]: a["status"] for a in actions(user, action_types=(CLAIMS_PAYMENT_ACTION_TYPES[flag_model],))}
    frame["work_status"] = [status_by_flag.get(f, "not drafted") for f in frame["flag_id"]]
    return frame


CLAIMS_PAYMENT_ACTION_TYPES = {"flag_underpayment_disputes": "underpayment_dispute",
                               "flag_timely_filing_alerts": "timely_filing_alert",
                               "flag_secondary_claims_due": "secondary_claim"}


CLAIMS_PAYMENT_FLAG_COLUMNS = {
    "flag_underpayment_disputes": ("flag_id", "claim_id", "line_number", "location_id", "payer_name", "procedure_code",
                                   "contracted_allowed_amount", "paid_allowed_amount", "dollars_at_risk", "due_date",
                                   "days_left"),
    "flag_timely_filing_alerts": ("flag_id", "claim_id", "visit_id", "location_id", "payer_name", "service_date",
                                  "alert_reason", "carcs", "timely_filing_days", "dollars_at_risk", "due_date",
                                  "days_left"),
    "flag_secondary_claims_due": ("flag_id", "claim_id", "location_id", "primary_payer_name", "payer_name",
                                  "primary_payment_date", "primary_paid_amount", "dollars_at_risk", "due_date",
                                  "days_left"),
}


# --------------------------------------------------------------------------------------------------
# Scheduling (issue 4). Ids, dates and money only: no patient names, birth dates or member ids are selected.


def open_slots_this_week(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Open slots (cancellations and unbooked template hours) in the seven days from the as-of date, in scope,
    with the slot's top three valid waitlist matches (waitlist ids) or the reason there is none."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select slot_id, location_id, provider_id, provider_name, service_line, slot_date, weekday, slot_hour, "
        "slot_state, waiting_at_location, valid_match_count, top_waitlist_id, second_waitlist_id, third_waitlist_id, "
        "no_match_reason from fct_open_slots "
        f"where slot_date between as_of_date and as_of_date + 6 and {scope} and {chosen} "
        "order by slot_date, slot_start_minute, location_id, slot_id",
        [*params, *chosen_params],
    )


def schedule_rates(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Per location in scope over the schedule-gap lookback: booked, kept, cancelled, late-cancelled and no-show
    counts and rates (each separately), idle template hours, and children under the attendance policy."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    policy_scope, policy_params = _scope(user)
    policy_chosen, policy_chosen_params = _in_list("location_id", location_ids)
    return _query(
        "with gaps as (select location_id, sum(booked_count) as booked, sum(kept_count) as kept, "
        "sum(cancelled_count) as cancelled, sum(late_cancelled_count) as late_cancelled, "
        "sum(no_show_count) as no_show, sum(idle_hours) as idle_hours "
        f"from fct_schedule_gaps where {scope} and {chosen} group by location_id), "
        "policy as (select location_id, max(policy_min_rate) as policy_min_rate, "
        "max(policy_window_days) as policy_window_days, "
        "sum(case when is_below_policy then 1 else 0 end) as children_below_policy, "
        "count(*) as children_counted "
        f"from fct_attendance_policy where {policy_scope} and {policy_chosen} group by location_id) "
        "select gaps.location_id, gaps.booked, gaps.kept, gaps.cancelled, gaps.late_cancelled, gaps.no_show, "
        "case when gaps.booked > 0 then gaps.kept * 1.0 / gaps.booked end as kept_rate, "
        "case when gaps.booked > 0 then gaps.cancelled * 1.0 / gaps.booked end as cancelled_rate, "
        "case when gaps.booked > 0 then gaps.late_cancelled * 1.0 / gaps.booked end as late_cancelled_rate, "
        "case when gaps.booked > 0 then gaps.no_show * 1.0 / gaps.booked end as no_show_rate, "
        "gaps.idle_hours, policy.policy_min_rate, policy.policy_window_days, "
        "coalesce(policy.children_below_policy, 0) as children_below_policy, "
        "coalesce(policy.children_counted, 0) as children_counted "
        "from gaps left join policy on gaps.location_id = policy.location_id order by gaps.location_id",
        [*params, *chosen_params, *policy_params, *policy_chosen_params],
    )


def schedule_lost_revenue_monthly(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Missed visits, refilled ones and revenue lost from the unfilled ones, per location and month, in scope."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select location_id, month_start, missed_visits, refilled_visits, lost_revenue "
        f"from fct_schedule_lost_revenue_monthly where {scope} and {chosen} order by month_start, location_id",
        [*params, *chosen_params],
    )


def open_plans_without_future_visit(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Children in scope with an open plan of care and nothing booked from the as-of date (by plan of care id,
    not by patient), their last kept visit and therapist, and the dollars of planned visits at risk."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select plan_of_care_id, location_id, last_provider_id, last_kept_visit_date, days_since_last_kept_visit, "
        "plan_end_date, frequency_per_week, weeks_at_risk, dollars_at_risk "
        f"from fct_open_plans_without_future_visit where {scope} and {chosen} "
        "order by dollars_at_risk desc, location_id, plan_of_care_id",
        [*params, *chosen_params],
    )


def booking_mismatches(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Booked visits ahead (next four weeks) in scope that fail the credential or authorization check, with the
    dollars at risk and a credentialed alternative therapist where there is one."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query(
        "select appointment_id, location_id, provider_id, payer_id, visit_date, credential_check, "
        "authorization_check, alternative_provider_id, dollars_at_risk "
        f"from fct_booking_checks where is_mismatch and {scope} and {chosen} "
        "order by visit_date, location_id, appointment_id",
        [*params, *chosen_params],
    )


# --------------------------------------------------------------------------------------------------
# Approval board at scale and user administration (issue 7). The ledger filters, sorts and pages in SQL;
# rows are checked against the user's scope again here.


# Board age filter: label -> (minimum age in days, maximum age in days), None = no bound; the same buckets
# as the queue-age figures.
QUEUE_AGE_FILTERS: dict[str, tuple[int | None, int | None]] = {
    "any age": (None, None), **{label: (low, high) for label, low, high in AGE_BUCKETS}}


def action_queue(
    user,
    *,
    statuses: Sequence[str] | None = ("open",),
    action_types: Sequence[str] | None = None,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
    age: str = "any age",
    assignee: str | None = None,
    page: int = 0,
    page_size: int = 50,
):
    """One page of the board's queue (ledger QueuePage: rows, total, total_dollars, oldest_created_at).

    An empty filter list means no restriction. `page` counts from 0.
    """
    from ledger import QueueFilter

    min_age, max_age = QUEUE_AGE_FILTERS[age]
    filters = QueueFilter(
        statuses=tuple(statuses) if statuses else None,
        action_types=tuple(action_types) if action_types else None,
        location_ids=tuple(location_ids) if location_ids else None,
        payer_ids=tuple(payer_ids) if payer_ids else None,
        min_age_days=min_age,
        max_age_days=max_age,
        assignee=assignee or None,
    )
    result = _ledger().queue_page(user, filters, limit=page_size, offset=max(page, 0) * page_size)
    result.rows = [r for r in result.rows if user.can_see(r["location_id"])]
    return result


def queue_filter_options(user) -> dict[str, list[str]]:
    """Locations, action types and payers present in the user's scope."""
    options = _ledger().queue_filter_options(user)
    options["location_ids"] = [loc for loc in options["location_ids"] if user.can_see(loc)]
    return options


def queue_stats(user, *, weeks: int = 8) -> dict[str, pd.DataFrame]:
    """Queue age per worker and bucket, decisions per person and week, median hours to a decision."""
    stats = _ledger().queue_stats(user, weeks=weeks)
    columns = {
        "open_by_age": ["worked_by", "bucket", "open_count", "dollars"],
        "decisions_by_week": ["actor", "week_start", "decisions"],
        "time_to_decision": ["actor", "decisions", "median_hours_to_decision"],
    }
    return {name: pd.DataFrame(stats[name], columns=cols) for name, cols in columns.items()}


def eligible_assignees(user, action_id: str) -> list[dict]:
    return _ledger().eligible_assignees(user, action_id)


def reassign(user, action_id: str, assignee: str) -> None:
    _ledger().assign(user, action_id, assignee)


def low_risk_actions(user, action_type: str, *, location_ids: Sequence[str] | None = None) -> list[dict]:
    """Open, unedited drafts of a low-risk type at or under the bulk-approve limit that this user may approve."""
    from core.settings import get_board_settings

    settings = get_board_settings()
    rows = _ledger().low_risk_actions(
        user, action_type, max_dollars=settings.bulk_approve_max_dollars,
        low_risk_types=settings.low_risk_action_types, location_ids=list(location_ids) if location_ids else None,
    )
    return [r for r in rows if user.can_see(r["location_id"])]


def bulk_approve(user, listed: dict[str, str], *, action_type: str):
    """Approve each listed draft individually (one audited approval each) if its text is still the one shown
    (`listed`: action id -> SHA-256 of the body listed); returns the ledger's result."""
    from core.settings import get_board_settings

    settings = get_board_settings()
    return _ledger().bulk_approve(
        user, listed, action_type=action_type, max_dollars=settings.bulk_approve_max_dollars,
        low_risk_types=settings.low_risk_action_types,
    )


def users_for_admin(user) -> pd.DataFrame:
    """Every user's role, locations and enabled state (no password hashes). Administrators only."""
    if user.role not in USER_ADMIN_ROLES:
        raise NotAllowed("User administration is for administrators.")
    return pd.DataFrame(
        _ledger().list_users(user), columns=["username", "display_name", "role", "locations", "disabled"]
    )


def change_user(user, username: str, *, role: str, locations: Sequence[str], disabled: bool) -> dict:
    """Change a user's role, locations and enabled state; the ledger audits it as `role_changed`."""
    if user.role not in USER_ADMIN_ROLES:
        raise NotAllowed("User administration is for administrators.")
    return _ledger().change_user(user, username, role=role, locations=locations, disabled=disabled)


def location_choices(user) -> list[str]:
    """Location ids an administrator can grant: the published snapshot's, else those seen in the ledger."""
    try:
        known = set(locations(user)["location_id"])
    except NoSnapshot:
        known = set()
    known |= set(queue_filter_options(user)["location_ids"])
    return sorted(loc for loc in known if user.can_see(loc))


# --------------------------------------------------------------------------------------------------
# Failed sends (issue 7, point 4): webhook deliveries that failed after their retries, and a person's retry.
# The web process never sends: a retry is audited and puts the action back in the dispatcher's queue.


def failed_sends(user) -> list[dict]:
    """Approved actions in scope whose last send failed, with the channel, HTTP status and short error, and
    whether this user may retry them (the roles that may approve the type at that location)."""
    from emitters.registry import can_approve

    rows = [r for r in _ledger().failed_deliveries(user) if user.can_see(r["location_id"])]
    for row in rows:
        row["can_retry"] = can_approve(user, row["action_type"], row["location_id"])
    return rows


def retry_send(user, action_id: str) -> None:
    """Re-queue a failed send (the ledger checks role, location and state again, and audits it)."""
    _ledger().request_delivery_retry(user, action_id)


# --------------------------------------------------------------------------------------------------
# Director's leak overview (issue 7, point 1): monthly leak and KPI marts, drill-down rows, location goals.

LEAK_AREAS: dict[str, str] = {
    "authorizations": "Authorizations",
    "claims_denials": "Claims and denials",
    "underpayments": "Underpayments",
    "schedule_gaps": "Schedule gaps",
    "credentialing": "Credentialing",
    "intake": "Intake",
}


class MartMissing(NoSnapshot):
    """The published snapshot predates a mart the page needs (published by an older pipeline version)."""


def _query_mart(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    try:
        return _query(sql, params)
    except duckdb.CatalogException as exc:
        raise MartMissing(
            "The published data has no monthly leak figures yet. Re-run the pipeline once to build them."
        ) from exc


def leak_monthly(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Dollars leaked per location, leak area and month (twelve months to the as-of month), in scope."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query_mart(
        "select location_id, location_name, leak_area, month_start, months_back, is_as_of_month, is_measured, "
        "event_count, leaked_amount from fct_location_leak_monthly "
        f"where {scope} and {chosen} order by location_id, leak_area, month_start",
        [*params, *chosen_params],
    )


def kpis_monthly(user, *, location_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """KPIs per location and month in scope, with numerator, denominator, benchmark and its source."""
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    return _query_mart(
        "select location_id, location_name, month_start, months_back, kpi, kpi_label, numerator, denominator, "
        "kpi_value, benchmark_value, higher_is_better, benchmark_population, benchmark_denominator, "
        f"benchmark_source, benchmark_verification from fct_location_kpis_monthly where {scope} and {chosen} "
        "order by location_id, kpi, month_start",
        [*params, *chosen_params],
    )


def leak_events(user, *, location_ids: Sequence[str] | None = None, leak_areas: Sequence[str] | None = None,
                month_start: date | None = None, limit: int = 5000) -> pd.DataFrame:
    """The rows behind a monthly leak figure (ids, dates, reason, dollars; no patient data), most money first."""
    unknown = set(leak_areas or ()) - set(LEAK_AREAS)
    if unknown:
        raise ValueError(f"unknown leak areas: {sorted(unknown)}")
    scope, params = _scope(user)
    chosen, chosen_params = _in_list("location_id", location_ids)
    areas, area_params = _in_list("leak_area", leak_areas)
    month_sql, month_params = ("month_start = ?", [month_start]) if month_start else ("true", [])
    return _query_mart(
        "select leak_area, location_id, payer_id, event_date, record_type, record_id, leak_reason, leaked_amount "
        f"from fct_leak_events where {scope} and {chosen} and {areas} and {month_sql} "
        "order by leaked_amount desc, event_date, record_id limit ?",
        [*params, *chosen_params, *area_params, *month_params, int(limit)],
    )


_goal_stores: dict[str, Any] = {}


def _goal_store():
    from dashboards.goals import GoalStore

    ledger = _ledger()
    if ledger.url not in _goal_stores:  # one table check per ledger, not per call
        _goal_stores[ledger.url] = GoalStore(ledger)
    return _goal_stores[ledger.url]


def kpi_goals(user) -> dict[tuple[str, str], float]:
    """{(location_id, kpi): goal} set by directors for the user's locations (unset = the benchmark)."""
    return _goal_store().goals(user)


def set_kpi_goal(user, location_id: str, kpi: str, goal_value: float | None) -> None:
    """Directors/admins only, within their locations; audited as `goal_changed` (see dashboards.goals)."""
    _goal_store().set_goal(user, location_id, kpi, goal_value)
