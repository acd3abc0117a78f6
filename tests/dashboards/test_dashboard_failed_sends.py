"""Failed sends on the approval board: listed with the error, scoped by location, retried by a person who may."""

from __future__ import annotations

import pytest

from dashboards.markdown_text import plain
from tests.ledger.helpers import shown_body_sha256

ERROR = "HTTP 503 Service Unavailable after 4 tries"


def _failed_sends_script():
    import streamlit as st

    from dashboards.views.failed_sends import render_failed_sends

    render_failed_sends(st.session_state["user"])


def _action_id(ledger, flag_id: str) -> str:
    from ledger import User

    everyone = User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))
    return next(a["action_id"] for a in ledger.list_actions(everyone) if a["flag_id"] == flag_id)


@pytest.fixture
def failed_action_id(ledger, frontdesk_l01):
    """The L01 re-auth packet, approved; its webhook send failed after its retries (as the dispatcher records it)."""
    action_id = _action_id(ledger, "flag-l01-a")
    ledger.approve(frontdesk_l01, action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    attempt_id = ledger.start_delivery(action_id, "fax", "k" * 64)
    ledger.fail_delivery(attempt_id, tries=4, http_status=503, error=ERROR)
    return action_id


def _latest_attempt_status(ledger, action_id: str) -> str | None:
    pending = ledger.pending_delivery_attempts().get(action_id)
    return pending["status"] if pending else None


def _function_test(user):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_failed_sends_script, default_timeout=30)
    at.session_state["user"] = user
    return at


def test_failed_sends_are_scoped_to_the_users_locations(failed_action_id, frontdesk_l01, director, billing, make_user):
    from dashboards import data

    [row] = data.failed_sends(frontdesk_l01)
    assert (row["action_id"], row["channel"], row["http_status"], row["error"]) == (failed_action_id, "fax", 503, ERROR)
    assert row["can_retry"] is True
    assert data.failed_sends(make_user("frontdesk_l02", "front_desk", {"L02"})) == []
    assert [r["can_retry"] for r in data.failed_sends(director)] == [False]  # directors do not approve re-auth packets
    assert [r["can_retry"] for r in data.failed_sends(billing)] == [True]


def test_retry_through_the_data_layer_is_checked_by_the_ledger(ledger, failed_action_id, director):
    from dashboards import data
    from ledger import PermissionDenied

    with pytest.raises(PermissionDenied):
        data.retry_send(director, failed_action_id)
    assert _latest_attempt_status(ledger, failed_action_id) == "failed"


def test_a_person_sees_the_error_and_retries(ledger, failed_action_id, frontdesk_l01, admin_user):
    at = _function_test(frontdesk_l01).run()
    assert not at.exception
    assert at.expander[0].label.startswith("Failed sends: 1 approved action(s)")
    assert any(ERROR in t.value for t in at.text)
    at.button(key=f"failed_send_retry_{failed_action_id}").click().run()
    assert not at.exception
    # The title comes from the data: shown literally (Markdown-escaped), never interpreted.
    assert [s.value for s in at.success] == [
        "Queued for the next dispatch: " + plain("Re-auth: Aetna Kids auth AUTHN-1001 (L01)")
    ]
    assert len(at.expander) == 0  # nothing failed any more
    assert _latest_attempt_status(ledger, failed_action_id) == "retry_requested"
    last = ledger.action_events(admin_user, failed_action_id)[-1]
    assert (last["event_type"], last["actor"]) == ("send_retry_requested", "frontdesk_l01")


def test_the_retry_button_is_disabled_for_a_role_that_may_not_approve(failed_action_id, director):
    at = _function_test(director).run()
    assert at.button(key=f"failed_send_retry_{failed_action_id}").disabled


def test_another_locations_user_sees_no_failed_sends(failed_action_id, make_user):
    at = _function_test(make_user("frontdesk_l02", "front_desk", {"L02"})).run()
    assert not at.exception and len(at.expander) == 0 and len(at.button) == 0


def test_the_board_shows_failed_sends_at_the_top(snapshot, failed_action_id, app_test, frontdesk_l01):
    at = app_test("board", user=frontdesk_l01).run()
    assert not at.exception
    assert at.button(key=f"failed_send_retry_{failed_action_id}") is not None
    assert at.expander[0].label.startswith("Failed sends: 1")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", "admin", {"*"})
