"""A user of location L01 gets no row of location L02 from any query function of the data layer
(`dashboards/data/`), any page, any export or any download: scoping is enforced in the data layer, by
`scoped_query` for the snapshot and by the ledger module for actions, not by hiding widgets.

The snapshot is the union of every dashboard test's fixture tables, so each query function reads real
L01 and L02 rows; the ledger holds drafts at both locations.
"""

from __future__ import annotations

import importlib
import inspect
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
VIEWS = HERE.parents[1] / "dashboards" / "views"
# Values that only location L02 has in the fixtures (its id, its clinic, its patients and authorizations).
L02_MARKERS = ("L02", "Eastside", "PT-201", "PT-202", "AUTHN-2001", "AUTHN-2002", "flag-l02")
# Functions that change state (tested for refusal elsewhere) or take no user data to query.
WRITERS = {
    # a person's own account (password, second factor): no location rows
    "change_own_password",
    "begin_second_factor",
    "confirm_second_factor",
    "disable_second_factor",
    "approve",
    "bulk_approve",
    "change_user",
    "check_item",
    "reassign",
    "record_view",
    "reject",
    "retry_send",
    "save_draft",
    "set_kpi_goal",
    "snooze",
}
NOT_QUERIES = {
    "decision_block_reason",
    "may_approve_type",
    "may_reassign",
    "account_status",
}  # judge what they are handed; read nothing
# The scoping machinery itself (tested on its own below and in test_dashboard_data_layer.py).
SCOPING = {"scoped_query", "scope_predicate", "require_role"}


@pytest.fixture
def both_locations(ledger, password):
    """Low-risk reminders at both locations (bulk lists), an admin, a second L02 user."""
    from emitters.models import DraftAction

    ledger.sync_drafts(
        "visit_reminder",
        [
            DraftAction(
                flag_id=f"flag-{loc.lower()}-rem",
                action_type="visit_reminder",
                location_id=loc,
                payer_id="P-AET",
                patient_id=f"PT-{loc}-rem",
                title=f"Reminder ({loc})",
                recipient="Family",
                body="See you soon.",
                dollars_at_stake=Decimal("20.00"),
                due_date=date(2026, 3, 4),
                assigned_role="front_desk",
            )
            for loc in ("L01", "L02")
        ],
        run_id="test-run",
    )
    ledger.upsert_user("frontdesk_l02", password, "front_desk", ["L02"], "Front Desk L02")
    return ledger


def _l02_action_id(ledger) -> str:
    from ledger import User

    everyone = User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))
    return next(a["action_id"] for a in ledger.list_actions(everyone) if a["location_id"] == "L02")


def _export_events(ledger) -> list[dict]:
    from ledger import User

    everyone = User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))
    return ledger.audit_events(everyone, event_types=["export"], limit=10_000)


def _as_text(value) -> str:
    if isinstance(value, pd.DataFrame):
        return value.to_csv()
    if isinstance(value, dict):
        return "\n".join(f"{k}={_as_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "\n".join(_as_text(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return _as_text(vars(value))
    return repr(value)


def _query_functions():
    """Every public function of every data-layer module whose first parameter is the signed-in user."""
    import pkgutil

    from dashboards import data

    for info in pkgutil.iter_modules(data.__path__):
        module = importlib.import_module(f"{data.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            params = list(inspect.signature(fn).parameters.values())
            if (
                fn.__module__ == module.__name__
                and not name.startswith("_")
                and name not in SCOPING
                and params
                and params[0].name == "user"
            ):
                yield name, fn, params


def test_no_query_function_returns_another_locations_rows(full_snapshot, both_locations, frontdesk_l01):
    from dashboards import data

    l02_action = _l02_action_id(both_locations)
    required_args = {  # functions that need an id: asked for L02's, they must return nothing
        "action": (l02_action,),
        "action_events": (l02_action,),
        "eligible_assignees": (l02_action,),
        "authorization": ("A-L02-1",),
        "low_risk_actions": ("visit_reminder",),
        "send_result": (l02_action,),
        "leaked_to_day": (date(2026, 2, 1), 31),
        "slot_family_reasons": ("S-L02-1",),
    }
    checked, refused = [], []
    for name, fn, params in _query_functions():
        if name in WRITERS | NOT_QUERIES:
            continue
        names = {p.name for p in params}
        calls = []
        if name == "claims_payment_flags":
            calls = [((model,), {}) for model in data.CLAIMS_PAYMENT_FLAG_COLUMNS]
        elif name in required_args:
            calls = [(required_args[name], {})]
        else:
            assert all(p.default is not inspect.Parameter.empty or p.kind == p.KEYWORD_ONLY for p in params[1:]), (
                f"{name} needs an argument: add it to required_args so it is checked"
            )
            calls = [((), {})]
        if "location_ids" in names:  # asking for the other location outright must not help either
            calls += [(args, {**kwargs, "location_ids": ["L02"]}) for args, kwargs in calls]
        for args, kwargs in calls:
            try:
                result = fn(frontdesk_l01, *args, **kwargs)
            except data.NotAllowed:
                refused.append(name)
                continue
            text = _as_text(result)
            leaked = [m for m in L02_MARKERS if m in text]
            assert not leaked, f"data.{name}{args}{kwargs} returned {leaked}"
        checked.append(name)
    # The test must really run the queries: the core ones are among those checked, not skipped.
    assert {
        "actions",
        "action_queue",
        "authorization_burndown",
        "leak_summary",
        "queue_stats",
        "denials",
        "credential_matrix",
        "open_slots_this_week",
        "eligibility_sweep",
        "claim_audit_failures",
        "schedule_rates",
        "leak_events",
        "kpi_goals",
        "location_choices",
        "failed_sends",
    } <= set(checked)
    assert {"quarantine", "file_ledger", "users_for_admin", "audit_trail"} <= set(refused)


def _pages() -> list[str]:
    return sorted(p.stem for p in VIEWS.glob("*.py"))


@pytest.mark.parametrize("page", _pages())
def test_no_page_export_or_download_shows_another_locations_rows(
    full_snapshot, both_locations, app_test, rendered_text, download_payloads, frontdesk_l01, page
):
    at = app_test(page, user=frontdesk_l01).run()
    assert not at.exception, at.exception
    # Widen the defaults that hide rows, build every on-request export, then click every download.
    if page == "board":
        at.multiselect(key="board_filter_statuses").set_value(["open", "snoozed", "approved", "rejected"]).run()
        at.button(key="board_export_prepare").click().run()
    exports_before = len(_export_events(both_locations))
    clicked = 0
    for key in [button.key for button in at.download_button]:
        at.download_button(key=key).click().run()  # looked up in the current tree: one click, one trigger
        clicked += 1
    assert not at.exception, at.exception
    # No page offers an unaudited download: every click on every download button wrote one export event.
    assert len(_export_events(both_locations)) - exports_before == clicked
    shown = rendered_text(at)
    downloads = "\n".join(download_payloads())
    for marker in L02_MARKERS:
        assert marker not in shown, f"{marker} shown on {page}"
        assert marker not in downloads, f"{marker} in a download on {page}"
    if page == "board":
        assert "Reminder (L01)" in downloads  # the export really ran, with L01's rows
    if page not in {
        "account",
        "admin",
        "audit",
        "payroll",
        "quarantine",
        "failed_sends",
    }:  # refused to L01 front desk, or a component
        assert clicked, f"{page} offers no CSV of its rows"


def test_the_scope_helper_is_what_keeps_rows_out(full_snapshot, frontdesk_l01, monkeypatch):
    """Break the one scoping helper and the same queries leak: the checks above test `scoped_query`, not luck."""
    from dashboards import data
    from dashboards.data import scope

    assert not data.credential_matrix(frontdesk_l01)["location_id"].eq("L02").any()
    monkeypatch.setattr(
        scope, "scope_predicate", lambda user, column="location_id", chosen_locations=None: ("true", {})
    )
    for fn in (data.credential_matrix, data.authorization_burndown, data.leak_summary, data.denials):
        assert fn(frontdesk_l01)["location_id"].eq("L02").any(), fn.__name__
