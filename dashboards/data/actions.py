"""The data layer's one door to the action ledger: drafted actions, decisions, the board's queue, audit
events, users and goals. No other module of the dashboard imports the ledger.

The ledger scopes every call by the user itself; rows are filtered by the user's locations again here so a
scoping bug there cannot leak another location's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from core.approval_date import APPROVAL_DATE, is_x12_interchange
from core.settings import get_board_settings, get_delivery_settings, get_orchestration_settings
from dashboards.data.goals import GoalStore
from dashboards.data.overview import locations
from dashboards.data.scope import require_role
from dashboards.data.snapshot import NoSnapshot
from ledger import (
    AGE_BUCKETS,
    REASSIGN_SUPERVISOR_ROLES,
    USER_ADMIN_ROLES,
    InvalidTransition,
    PermissionDenied,
    QueueFilter,
    sha256_text,
)
from emitters.registry import approver_roles, can_approve, human_name
from ledger.queue import is_urgent as urgent_in_ledger

AUDIT_ROLES = frozenset({"director", "admin"})
DECIDABLE_STATUSES = frozenset({"open", "snoozed"})
# Board age filter: label -> (minimum age in days, maximum age in days), None = no bound; the same buckets
# as the queue-age figures.
QUEUE_AGE_FILTERS: dict[str, tuple[int | None, int | None]] = {
    "any age": (None, None), **{label: (low, high) for label, low, high in AGE_BUCKETS}}
# Why a decision was refused (role, location or state), as the ledger words it.
DecisionRefused = (PermissionDenied, InvalidTransition)


def _ledger():
    # Late import: auth imports Streamlit, which tests of the data layer need not load.
    from dashboards.auth import ledger

    return ledger()


def action_type_label(action_type: str) -> str:
    """The person-facing name of an action type (the registry's human name; an unknown type in plain words)."""
    name = human_name(action_type)
    return name.replace("_", " ").capitalize() if name == action_type else name


def may_approve_type(user, action_type: str) -> bool:
    """Whether the user's role may decide this action type at all (at any of its locations)."""
    return user.role in approver_roles(action_type)


CHANNEL_WORDS = {"fax": "by fax", "text": "by text message", "email": "by email",
                 "clearinghouse": "to the clearinghouse", "file": "as a file in the outbox for staff to pick up"}
# Types whose deadline is hours, not days: a cancelled slot is only worth offering while it can still be filled.
TIME_CRITICAL_TYPES = frozenset({"slot_offer"})
SNOOZE_DAYS = 7


def snooze_window(action_type: str, due: date | None, today: date) -> tuple[date, date | None] | None:
    """(default, latest) date for snoozing an action, or None when it cannot be snoozed.

    The earliest snooze is tomorrow. The default is a week on, but never after the action's due date while that
    is still ahead. A time-critical action (a slot offer: its due date is the slot's day) can never be snoozed
    past that day, and not at all once the slot is today or past: it is approved or rejected now."""
    tomorrow = today + timedelta(days=1)
    default = today + timedelta(days=SNOOZE_DAYS)
    if due is not None and due >= tomorrow:
        default = min(default, due)
    if action_type not in TIME_CRITICAL_TYPES:
        return default, None
    if due is None or due < tomorrow:
        return None
    return default, due


def delivery_channel(action_type: str) -> str:
    """How an action of this type goes out, in words ("by fax"): the channel the delivery settings route it to."""
    from delivery.channels import ChannelRouter

    route = ChannelRouter.from_settings(get_delivery_settings()).route(action_type)
    return CHANNEL_WORDS.get(route.channel, "by " + route.channel)


def delivery_plan(action_type: str) -> str:
    """How and when an approved action of this type goes out: its channel and the dispatch sensor's interval."""
    seconds = get_orchestration_settings().dispatch_sensor_interval_seconds
    minutes = max(1, round(seconds / 60))
    when = "within about a minute" if minutes == 1 else f"within about {minutes} minutes"
    return f"It is sent {delivery_channel(action_type)} {when} of approval, without anyone starting a job."


def send_result(user, action_id: str) -> tuple[str, str] | None:
    """("sent" | "failed", when) from the action's newest send event, or None before any send."""
    for event in reversed(action_events(user, action_id)):
        if event["event_type"] in ("dispatched", "send_failed"):
            return ("sent" if event["event_type"] == "dispatched" else "failed"), event["occurred_at"]
    return None


def board_settings():
    """Page size, bulk-approve dollar limit and low-risk action types (environment settings)."""
    return get_board_settings()


def body_sha256(body: str) -> str:
    """The digest of a draft's text as shown, which an approval must still match."""
    return sha256_text(body)


def approval_date_note(body: str) -> str | None:
    """What a reviewer reads under a draft whose date is filled in when it is approved (core/approval_date.py)."""
    if is_x12_interchange(body):
        return "The file's envelope dates (ISA, GS and BHT) become the date you approve it."
    return f"{APPROVAL_DATE} becomes the date you approve it." if APPROVAL_DATE in body else None


# ----- actions and decisions -----------------------------------------------------------------------


def actions(
    user,
    *,
    statuses: Sequence[str] | None = None,
    action_types: Sequence[str] | None = None,
    location_ids: Sequence[str] | None = None,
    payer_ids: Sequence[str] | None = None,
) -> list[dict]:
    """Ledger actions in scope, most money first, then the earliest due date (the ledger sorts in SQL)."""
    rows = _ledger().list_actions(
        user,
        statuses=list(statuses) if statuses else None,
        action_types=list(action_types) if action_types else None,
        location_ids=list(location_ids) if location_ids else None,
        payer_ids=list(payer_ids) if payer_ids else None,
    )
    return [r for r in rows if user.can_see(r["location_id"])]


def action(user, action_id: str) -> dict | None:
    """One action in scope, or None. The ledger audits every call as a view: call it once per card opened."""
    return _ledger().get_action(user, action_id)


def action_events(user, action_id: str) -> list[dict]:
    return _ledger().action_events(user, action_id)


def decision_block_reason(user, action: dict) -> str | None:
    """Why this user cannot edit/approve/reject/snooze this action now, or None when they can.

    The ledger enforces the same rules; this only lets the board say why a button is disabled.
    """
    if action["status"] not in DECIDABLE_STATUSES:
        return f"This action is {action['status'].replace('_', ' ')}; only open or snoozed drafts can be decided."
    if not can_approve(user, action["action_type"], action["location_id"]):
        return (
            f"Your role ({user.role.replace('_', ' ')}) cannot approve "
            f"{action_type_label(action['action_type'])} actions at {action['location_id']}."
        )
    return None


def may_reassign(user, action: dict) -> bool:
    """Whether the user may route this card to someone: a live card they may decide, or any live card for a
    supervisor (the ledger checks again)."""
    return action["status"] in DECIDABLE_STATUSES and (
        decision_block_reason(user, action) is None or user.role in REASSIGN_SUPERVISOR_ROLES)


def save_draft(user, action_id: str, new_body: str) -> None:
    _ledger().edit_draft(user, action_id, new_body)


def approve(user, action_id: str, shown_body_sha256: str) -> None:
    """Approve the draft only if its text is still the one the person was shown (SHA-256 of that text)."""
    _ledger().approve(user, action_id, expected_body_sha256=shown_body_sha256)


def check_item(user, action_id: str, item: str) -> None:
    """Record that the person confirmed one checklist item of a draft (audited): the ledger approves a draft
    only once every required item is confirmed."""
    _ledger().check_item(user, action_id, item)


def reject(user, action_id: str, reason: str) -> None:
    if not reason.strip():
        raise ValueError("A reason is required to reject a draft.")
    _ledger().reject(user, action_id, reason.strip())


def snooze(user, action_id: str, until: date) -> None:
    _ledger().snooze(user, action_id, until)


def reassign(user, action_id: str, assignee: str) -> None:
    _ledger().assign(user, action_id, assignee)


def eligible_assignees(user, action_id: str) -> list[dict]:
    return _ledger().eligible_assignees(user, action_id)


# ----- the board's queue ---------------------------------------------------------------------------


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
    """One page of the board's queue (ledger QueuePage: rows, total, total_dollars, oldest_created_at), urgent
    actions first across every page (`is_urgent`), then most dollars, then the earliest due date.

    An empty filter list means no restriction. `page` counts from 0.
    """
    min_age, max_age = QUEUE_AGE_FILTERS[age]
    filters = QueueFilter(
        statuses=tuple(statuses) if statuses else None,
        action_types=tuple(action_types) if action_types else None,
        location_ids=tuple(location_ids) if location_ids else None,
        payer_ids=tuple(payer_ids) if payer_ids else None,
        min_age_days=min_age,
        max_age_days=max_age,
        assignee=assignee or None,
        urgent_types=tuple(sorted(TIME_CRITICAL_TYPES)),  # urgent first across the whole queue, in SQL
    )
    result = _ledger().queue_page(user, filters, limit=page_size, offset=max(page, 0) * page_size)
    result.rows = [r for r in result.rows if user.can_see(r["location_id"])]
    return result


def is_urgent(action: dict) -> bool:
    """Time-critical (a slot offer) or due by tomorrow: the board's "Urgent" label, as the queue orders it."""
    return urgent_in_ledger(action, TIME_CRITICAL_TYPES, date.today())


def top_open_actions(user, limit: int = 10) -> list[dict]:
    """The first `limit` open actions of the board's order; one SQL page, not the whole queue."""
    return action_queue(user, statuses=["open"], page_size=limit).rows


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


def low_risk_actions(user, action_type: str, *, location_ids: Sequence[str] | None = None) -> list[dict]:
    """Open, unedited drafts of a low-risk type at or under the bulk-approve limit that this user may approve."""
    settings = get_board_settings()
    rows = _ledger().low_risk_actions(
        user, action_type, max_dollars=settings.bulk_approve_max_dollars,
        low_risk_types=settings.low_risk_action_types, location_ids=list(location_ids) if location_ids else None,
    )
    return [r for r in rows if user.can_see(r["location_id"])]


def bulk_approve(user, listed: Mapping[str, str], *, action_type: str):
    """Approve each listed draft individually (one audited approval each) if its text is still the one shown
    (`listed`: action id -> SHA-256 of the body listed); returns the ledger's result."""
    settings = get_board_settings()
    return _ledger().bulk_approve(
        user, dict(listed), action_type=action_type, max_dollars=settings.bulk_approve_max_dollars,
        low_risk_types=settings.low_risk_action_types,
    )


# ----- failed sends --------------------------------------------------------------------------------
# The web process never sends: a retry is audited and puts the action back in the dispatcher's queue.


def failed_sends(user) -> list[dict]:
    """Approved actions in scope whose last send failed, with the channel, HTTP status and short error, and
    whether this user may retry them (the roles that may approve the type at that location)."""
    rows = [r for r in _ledger().failed_deliveries(user) if user.can_see(r["location_id"])]
    for row in rows:
        row["can_retry"] = can_approve(user, row["action_type"], row["location_id"])
    return rows


def retry_send(user, action_id: str) -> None:
    """Re-queue a failed send (the ledger checks role, location and state again, and audits it)."""
    _ledger().request_delivery_retry(user, action_id)


# ----- audit trail ---------------------------------------------------------------------------------


def record_view(user, *, event_type: str, location_id: str | None, detail: dict) -> None:
    """Audit a view or export of patient-level records (HIPAA audit controls); detail holds references, not PHI."""
    _ledger().record(event_type, user.username, actor_role=user.role, location_id=location_id, detail=detail)


def audit_trail(user, *, limit: int = 500, event_types: Sequence[str] | None = None) -> list[dict]:
    require_role(user, AUDIT_ROLES, "The audit trail is for directors and administrators.")
    rows = _ledger().audit_events(user, limit=limit, event_types=list(event_types) if event_types else None)
    # Group-wide events (sign-ins, user changes) carry no location; location events must be in scope, and so
    # must every location an event names in its detail (an export of several locations carries them there).
    return [r for r in rows
            if (r.get("location_id") is None or user.can_see(r["location_id"]))
            and all(user.can_see(loc) for loc in (r.get("detail") or {}).get("location_ids") or ())]


def verify_audit_chain(user) -> tuple[bool, Any]:
    require_role(user, AUDIT_ROLES, "The audit trail is for directors and administrators.")
    return _ledger().verify_audit_chain()


# ----- users and roles -----------------------------------------------------------------------------


def users_for_admin(user) -> pd.DataFrame:
    """Every user's role, locations and enabled state (no password hashes). Administrators only."""
    require_role(user, USER_ADMIN_ROLES, "User administration is for administrators.")
    return pd.DataFrame(
        _ledger().list_users(user), columns=["username", "display_name", "role", "locations", "disabled"]
    )


def location_choices(user) -> list[str]:
    """Location ids an administrator can grant: the published snapshot's, else those seen in the ledger."""
    try:
        known = set(locations(user)["location_id"])
    except NoSnapshot:
        known = set()
    known |= set(queue_filter_options(user)["location_ids"])
    return sorted(loc for loc in known if user.can_see(loc))


def change_user(user, username: str, *, role: str, locations: Sequence[str], disabled: bool) -> dict:
    """Change a user's role, locations and enabled state; the ledger audits it as `role_changed`."""
    require_role(user, USER_ADMIN_ROLES, "User administration is for administrators.")
    return _ledger().change_user(user, username, role=role, locations=locations, disabled=disabled)


# ----- location goals (stored on the ledger's database) --------------------------------------------

_goal_stores: dict[str, GoalStore] = {}


def _goal_store() -> GoalStore:
    ledger = _ledger()
    if ledger.url not in _goal_stores:  # one table check per ledger, not per call
        _goal_stores[ledger.url] = GoalStore(ledger)
    return _goal_stores[ledger.url]


def kpi_goals(user) -> dict[tuple[str, str], float]:
    """{(location_id, kpi): goal} set by directors for the user's locations (unset = the benchmark)."""
    return _goal_store().goals(user)


def set_kpi_goal(user, location_id: str, kpi: str, goal_value: float | None) -> None:
    """Directors/admins only, within their locations; audited as `goal_changed` (see dashboards.data.goals)."""
    _goal_store().set_goal(user, location_id, kpi, goal_value)

