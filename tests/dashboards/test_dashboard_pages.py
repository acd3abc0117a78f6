"""Streamlit AppTest: sign-in, every page renders, location scoping on screen, board decisions, audit, expiry."""

from __future__ import annotations

import time

import pytest


def _ledger():
    from core.settings import get_settings
    from ledger import Ledger

    return Ledger(get_settings().ledger_url)


def _action_id(flag_id: str) -> str:
    from ledger import User

    everyone = User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))
    return next(a["action_id"] for a in _ledger().list_actions(everyone) if a["flag_id"] == flag_id)


def _row(flag_id: str) -> str:
    from ledger import User

    everyone = User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))
    return next(a for a in _ledger().list_actions(everyone) if a["flag_id"] == flag_id)


# ----- sign-in ---------------------------------------------------------------------------------


def test_sign_in_rejects_a_wrong_password(snapshot, ledger, app_test):
    at = app_test().run()
    at.text_input(key="sign_in_username").input("frontdesk_l01")
    at.text_input(key="sign_in_password").input("not-the-password")
    at.button(key="sign_in_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert "user" not in at.session_state


def test_sign_in_with_the_right_password_opens_the_overview(snapshot, ledger, app_test, password):
    at = app_test().run()
    at.text_input(key="sign_in_username").input("frontdesk_l01")
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception
    assert at.session_state["user"].username == "frontdesk_l01"
    assert at.title[0].value == "Which location is bleeding, how much, and from what?"


def test_sign_out_button_signs_out(snapshot, ledger, app_test, frontdesk_l01):
    at = app_test(user=frontdesk_l01).run()
    at.sidebar.button(key="sign_out_button").click().run()
    assert "user" not in at.session_state
    assert at.title[0].value == "Sign in"


def test_session_expires_after_inactivity(snapshot, ledger, app_test, frontdesk_l01):
    at = app_test(user=frontdesk_l01, last_active=time.time() - 31 * 60).run()
    assert not at.exception
    assert "user" not in at.session_state
    assert at.title[0].value == "Sign in"
    assert "signed out after 30 minutes" in at.warning[0].value
    assert any(
        e["event_type"] == "session_expired" for e in _ledger().audit_events(_admin(), event_types=["session_expired"])
    )


def test_session_still_fresh_one_minute_before_the_timeout(snapshot, ledger, app_test, frontdesk_l01):
    at = app_test(user=frontdesk_l01, last_active=time.time() - 29 * 60).run()
    assert at.session_state["user"].username == "frontdesk_l01"
    assert at.title[0].value != "Sign in"


def test_a_page_opened_without_sign_in_stops(snapshot, ledger, app_test):
    at = app_test("board").run()
    assert not at.exception
    assert at.warning[0].value == "Please sign in first."
    assert not at.button


def _admin():
    from ledger import User

    return User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))


# ----- every page renders ----------------------------------------------------------------------


@pytest.mark.parametrize("page", ["overview", "board", "authorizations", "quarantine", "audit"])
@pytest.mark.parametrize("who", ["director", "frontdesk_l01", "billing"])
def test_every_page_renders_for_every_role(snapshot, ledger, app_test, page, who, request):
    at = app_test(page, user=request.getfixturevalue(who)).run()
    assert not at.exception, at.exception
    assert at.title


@pytest.mark.parametrize("page", ["overview", "board", "authorizations", "quarantine", "audit"])
def test_every_page_says_so_when_nothing_is_published(env, ledger, app_test, director, page):
    at = app_test(page, user=director).run()
    assert not at.exception, at.exception
    if page in {"overview", "authorizations", "quarantine"}:
        assert "No data has been published yet" in at.info[0].value


def test_router_lists_the_audit_page_for_a_director_only(snapshot, ledger, app_test, director, frontdesk_l01):
    at = app_test(user=director).run()
    at.switch_page("views/audit.py").run()
    assert not at.exception
    assert at.title[0].value == "Audit trail"

    at = app_test(user=frontdesk_l01).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/audit.py")


# ----- location scoping on screen --------------------------------------------------------------


@pytest.mark.parametrize("page", ["overview", "board", "authorizations", "quarantine", "audit"])
def test_front_desk_of_l01_sees_no_l02_row_on_any_page(snapshot, ledger, app_test, rendered_text, frontdesk_l01, page):
    at = app_test(page, user=frontdesk_l01).run()
    assert not at.exception
    # Widen the board's status filter and open every authorization so nothing is hidden by a default.
    if page == "board":
        at.multiselect(key="board_filter_statuses").set_value(["open", "snoozed", "approved", "rejected"]).run()
    text = rendered_text(at)
    assert "L01" in text or page in {"quarantine", "audit"}
    for l02_value in ("L02", "Eastside", "AUTHN-2001", "AUTHN-2002", "Blue Eastside Plan", "PT-201"):
        assert l02_value not in text, f"{l02_value} shown on {page}"


def test_front_desk_cannot_select_another_locations_authorization_by_link(
    snapshot, ledger, app_test, rendered_text, frontdesk_l01
):
    at = app_test("authorizations", user=frontdesk_l01)
    at.query_params["auth"] = "A-L02-1"
    at.query_params["location"] = "L02"
    at.run()
    assert not at.exception
    assert at.selectbox(key="auth_selected").value is None
    assert "AUTHN-2001" not in rendered_text(at)


def test_director_sees_both_locations_and_the_group_total(snapshot, ledger, app_test, rendered_text, director):
    at = app_test("overview", user=director).run()
    text = rendered_text(at)
    assert "Northside Clinic" in text and "Eastside Clinic" in text
    assert at.metric[0].value == "$1,440.00"


def test_phi_packet_fields_are_never_shown(snapshot, ledger, app_test, rendered_text, director, canary_name):
    at = app_test("authorizations", user=director).run()
    at.selectbox(key="auth_selected").set_value("A-L02-1").run()
    text = rendered_text(at)
    assert "AUTHN-2001" in text
    assert canary_name not in text and "MEMBERCANARY9" not in text


# ----- drill-down ------------------------------------------------------------------------------


def test_overview_drills_into_a_locations_authorizations(snapshot, ledger, app_test, director):
    at = app_test(user=director).run()
    at.button(key="overview_drill_L02").click().run()
    assert not at.exception
    assert at.title[0].value == "Authorization burn-down"
    assert at.multiselect(key="auth_filter_locations").value == ["L02"]
    assert at.metric[0].value == "2"  # L02's two active authorizations only


def test_authorization_view_lists_units_and_is_audited_once(snapshot, ledger, app_test, director):
    at = app_test("authorizations", user=director).run()
    at.selectbox(key="auth_selected").set_value("A-L02-1").run()
    values = {m.label: m.value for m in at.metric}
    assert values["Approved visits"] == "10"
    assert values["Used visits"] == "9"
    assert values["Scheduled visits"] == "3"
    assert values["Remaining visits"] == "-2"
    assert "Visits scheduled beyond the authorization" in at.warning[0].value
    assert "Re-auth request due by Mar 4, 2026" in [t.value for t in at.text]
    at.run()  # a rerun must not audit the same view again
    views = _ledger().audit_events(_admin(), event_types=["view_authorization"])
    assert len(views) == 1 and views[0]["location_id"] == "L02"


def test_authorization_without_projection_says_so_in_plain_words(snapshot, ledger, app_test, director):
    at = app_test("authorizations", user=director).run()
    at.selectbox(key="auth_selected").set_value("A-L01-2").run()
    texts = [t.value for t in at.text]
    assert "runs Feb 1, 2026 to Jul 31, 2026 (151 days left)" in texts[0]
    assert texts[1].endswith("projected to run out: not at the current rate")
    assert at.success[0].value == "No burn-down flag on this authorization."


def test_authorization_filters_by_flag(snapshot, ledger, app_test, director):
    at = app_test("authorizations", user=director).run()
    assert at.metric[0].value == "4"
    at.multiselect(key="auth_filter_flags").set_value(["has_visits_scheduled_beyond_auth"]).run()
    assert at.metric[0].value == "1"


# ----- approval board --------------------------------------------------------------------------


def _open_card(at, flag_id: str):
    at.selectbox(key="board_selected_action").set_value(_action_id(flag_id)).run()
    return at


def test_board_queue_is_sorted_by_dollars(snapshot, ledger, app_test, director):
    at = app_test("board", user=director).run()
    queue = at.dataframe[0].value
    assert list(queue["Dollars at stake"]) == [960.0, 240.0, 120.0]


def test_draft_is_rendered_as_text_not_html(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-a")
    assert "<script>alert('x')</script>" in at.code[0].value
    assert not at.html
    assert all("<script>" not in m.value for m in at.markdown)


def test_board_approve_changes_the_ledger(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-a")
    at.button(key="board_approve").click().run()
    assert not at.exception
    assert _row("flag-l01-a")["status"] == "approved"
    assert at.success[0].value.startswith("Approved")


def test_a_letter_reads_its_date_placeholder_on_the_board_and_is_dated_the_day_it_is_approved(
    snapshot, ledger, app_test, frontdesk_l01
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from core.approval_date import APPROVAL_DATE, approval_date_text
    from core.settings import get_settings

    _ledger().edit_draft(frontdesk_l01, _action_id("flag-l01-b"), f"{APPROVAL_DATE}\nPlease extend AUTHN-1002.")
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-b")
    assert at.code[0].value.startswith(APPROVAL_DATE)
    assert any(c.value == f"{APPROVAL_DATE} becomes the date you approve it." for c in at.caption)

    zone = ZoneInfo(get_settings().group_time_zone)
    days = {approval_date_text(datetime.now(zone).date())}  # the approval may straddle midnight
    at.button(key="board_approve").click().run()
    assert not at.exception
    row = _row("flag-l01-b")
    days.add(approval_date_text(datetime.now(zone).date()))
    assert row["status"] == "approved"
    assert row["body"] in {f"{day}\nPlease extend AUTHN-1002." for day in days}


def test_board_reject_needs_a_reason_then_changes_the_ledger(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-b")
    at.button(key="board_reject").click().run()
    assert "Give a reason" in at.error[0].value
    assert _row("flag-l01-b")["status"] == "open"

    action_id = _action_id("flag-l01-b")
    at.text_input(key=f"board_reject_reason_{action_id}").input("Family moved out of state")
    at.button(key="board_reject").click().run()
    assert _row("flag-l01-b")["status"] == "rejected"
    rejected = _ledger().audit_events(_admin(), event_types=["rejected"])
    assert rejected[0]["detail"]["reason"] == "Family moved out of state"


def test_board_edit_saves_the_new_body(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-b")
    action_id = _action_id("flag-l01-b")
    at.text_area(key=f"board_edit_{action_id}").input("Please extend AUTHN-1002 by 12 visits.")
    at.button(key="board_save").click().run()
    assert not at.exception
    row = _row("flag-l01-b")
    assert row["body"] == "Please extend AUTHN-1002 by 12 visits."
    assert row["original_body"] == "Please extend AUTHN-1002."
    assert row["status"] == "open"


def test_board_snooze_changes_the_ledger(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-b")
    at.button(key="board_snooze").click().run()
    assert not at.exception
    assert _row("flag-l01-b")["status"] == "snoozed"


def test_board_buttons_are_disabled_with_the_reason_when_the_role_cannot_approve(snapshot, ledger, app_test, director):
    at = _open_card(app_test("board", user=director).run(), "flag-l01-a")
    for key in ("board_approve", "board_reject", "board_snooze", "board_save"):
        assert at.button(key=key).disabled
    assert "cannot approve" in at.info[0].value
    assert _row("flag-l01-a")["status"] == "open"


def test_decided_action_cannot_be_decided_again(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-a")
    at.button(key="board_approve").click().run()
    at.multiselect(key="board_filter_statuses").set_value(["approved"]).run()
    assert at.button(key="board_approve").disabled
    assert any("approved" in info.value for info in at.info)
    # After approval the card says how and when it goes out (no webhook configured: the outbox file channel).
    assert any(
        info.value.startswith("Approved. It is sent as a file in the outbox") and "within about a minute" in info.value
        for info in at.info
    )


def test_opening_a_card_is_audited_once_per_session(snapshot, ledger, app_test, frontdesk_l01):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-b")
    at.run()
    at.run()
    viewed = [
        e
        for e in _ledger().audit_events(_admin(), event_types=["action_viewed"])
        if e["action_id"] == _action_id("flag-l01-b")
    ]
    assert len(viewed) == 1


# ----- audit -----------------------------------------------------------------------------------


def test_director_sees_the_audit_trail_and_the_chain_check(snapshot, ledger, app_test, director):
    at = app_test("audit", user=director).run()
    assert not at.exception
    assert at.success[0].value.startswith("Hash chain verified")
    assert len(at.dataframe[0].value) > 0
    at.multiselect(key="audit_filter_types").set_value(["user_created"]).run()
    assert not at.exception, at.exception
    assert set(at.dataframe[0].value["What happened"]) == {"User created"}


def test_front_desk_is_refused_the_audit_trail(snapshot, ledger, app_test, frontdesk_l01):
    at = app_test("audit", user=frontdesk_l01).run()
    assert not at.exception
    assert at.error[0].value == "The audit trail is for directors and administrators."
    assert not at.dataframe


def test_quarantine_shows_reasons_to_group_wide_users(snapshot, ledger, app_test, director, frontdesk_l01):
    at = app_test("quarantine", user=director).run()
    # The column the reason names, in words (the CSV download keeps the file's own header).
    assert "Date of service is not a date" in at.dataframe[0].value["Why it was quarantined"].tolist()
    at = app_test("quarantine", user=frontdesk_l01).run()
    assert "only users with access to all locations" in at.info[0].value
    assert not at.dataframe


def test_approve_approves_the_text_on_screen_and_refuses_a_draft_refreshed_since(
    snapshot, ledger, app_test, frontdesk_l01, billing
):
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-b")
    assert at.code[0].value == "Please extend AUTHN-1002."
    # Between render and click, someone else changes the draft.
    ledger.edit_draft(billing, _action_id("flag-l01-b"), "Please extend AUTHN-1002 by 40 units.")
    at.button(key="board_approve").click().run()
    assert not at.exception
    assert _row("flag-l01-b")["status"] == "open"
    assert "changed after it was shown to you" in at.error[0].value
    assert at.code[0].value == "Please extend AUTHN-1002 by 40 units."  # the new text is on screen now
    at.button(key="board_approve").click().run()  # approving what is shown now works
    assert _row("flag-l01-b")["status"] == "approved"
    approved = _ledger().audit_events(_admin(), event_types=["approved"])
    from ledger import sha256_text

    assert approved[0]["detail"]["body_sha256"] == sha256_text("Please extend AUTHN-1002 by 40 units.")


def test_approve_waits_for_every_required_checklist_item(snapshot, ledger, app_test, frontdesk_l01):
    """A required item that is not ticked disables Approve (and says which); ticking it enables Approve. An
    item that is not required never blocks."""
    import json

    import sqlalchemy as sa

    from ledger.schema import actions

    checklist = [
        {"item": "Signed physician order", "detail": "none on file", "present": False, "required": True},
        {"item": "Progress note", "detail": "none in the last 30 days", "present": False},
    ]
    with ledger.engine.begin() as conn:
        conn.execute(
            sa.update(actions).where(actions.c.flag_id == "flag-l01-a").values(checklist_json=json.dumps(checklist))
        )
    at = _open_card(app_test("board", user=frontdesk_l01).run(), "flag-l01-a")
    action_id = _action_id("flag-l01-a")
    assert at.button(key="board_approve").disabled
    assert "Signed physician order" in at.button(key="board_approve").help
    at.checkbox(key=f"board_check_{action_id}_0").check().run()
    assert not at.exception
    assert not at.button(key="board_approve").disabled
    # The tick is the person's confirmation, recorded (and audited) in the ledger, which then approves the draft.
    assert _row("flag-l01-a")["checklist"][0]["present"] is True
    ticked = ledger.audit_events(ledger.get_user("admin"), limit=5, event_types=["checklist_item_checked"])
    assert [(e["actor"], e["action_id"]) for e in ticked] == [("frontdesk_l01", action_id)]
    at.button(key="board_approve").click().run()
    assert not at.exception and not at.error
    assert _row("flag-l01-a")["status"] == "approved"
