"""AppTest of the approval board's issue-7 parts: paging, bulk approval with one confirmation, reassignment,
queue age and throughput, the audited CSV export, and the administrators' users page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboards.markdown_text import plain
from tests.ledger.helpers import shown_body_sha256

# AppTest does not expose a dataframe's key: tables are found by the columns they show.
QUEUE = ("Worked by", "Status", "Action ID")
BULK_LIST = ("Title", "Dollars at stake")
STATS_AGE, STATS_DECISIONS, STATS_TIME = ("Worked by", "Age"), ("Week of", "Decisions"), ("Median hours to a decision",)
ADMIN_USERS, ROLE_CHANGES = ("username", "display_name", "disabled"), ("occurred_at", "actor", "detail_json")


def _tables(at, columns) -> list:
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def _table(at, columns):
    found = _tables(at, columns)
    assert found, f"no table with columns {columns}"
    return found[0]


def _everyone():
    from ledger import User

    return User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))


def _ledger():
    from core.settings import get_settings
    from ledger import Ledger

    return Ledger(get_settings().ledger_url)


def _actions(**filters):
    return _ledger().list_actions(_everyone(), **filters)


def _events(event_type: str) -> list[dict]:
    return _ledger().audit_events(_everyone(), event_types=[event_type])


def _reminder(flag_id: str, location_id: str, dollars: str):
    from emitters.models import DraftAction

    return DraftAction(
        flag_id=flag_id,
        action_type="visit_reminder",
        location_id=location_id,
        payer_id="P-AET",
        patient_id=f"PT-{flag_id}",
        title=f"Reminder {flag_id} ({location_id})",
        recipient="Family",
        body=f"See you soon ({flag_id}).",
        dollars_at_stake=Decimal(dollars),
        due_date=date(2026, 3, 4),
        assigned_role="front_desk",
    )


@pytest.fixture
def reminders(ledger, monkeypatch):
    """Visit reminders (a low-risk type): three cheap at L01, one over the limit at L01, one at L02."""
    monkeypatch.setenv("RCM_BOARD_BULK_APPROVE_MAX_DOLLARS", "100.00")
    monkeypatch.delenv("RCM_BOARD_LOW_RISK_ACTION_TYPES", raising=False)
    ledger.sync_drafts(
        "visit_reminder",
        [
            _reminder("rem-1", "L01", "40.00"),
            _reminder("rem-2", "L01", "60.00"),
            _reminder("rem-3", "L01", "100.00"),
            _reminder("rem-big", "L01", "100.01"),
            _reminder("rem-l02", "L02", "10.00"),
        ],
        run_id="test-run",
    )
    return ledger


def _statuses() -> dict[str, str]:
    return {a["flag_id"]: a["status"] for a in _actions()}


# ----- bulk approve ---------------------------------------------------------------------------------


def _review_bulk(at):
    at.selectbox(key="board_bulk_type").set_value("visit_reminder").run()
    at.button(key="board_bulk_review").click().run()
    assert not at.exception
    return at


def test_bulk_approve_confirmation_lists_every_item_and_cancel_approves_nothing(
    snapshot, reminders, app_test, frontdesk_l01
):
    at = _review_bulk(app_test("board", user=frontdesk_l01).run())
    [listed] = [t for t in _tables(at, BULK_LIST) if "Status" not in t.columns]
    assert sorted(listed["Title"]) == ["Reminder rem-1 (L01)", "Reminder rem-2 (L01)", "Reminder rem-3 (L01)"]
    assert "Approve these 3" in at.warning[0].value
    at.button(key="board_bulk_cancel").click().run()
    assert not at.exception
    assert {f: s for f, s in _statuses().items() if f.startswith("rem")} == {
        "rem-1": "open",
        "rem-2": "open",
        "rem-3": "open",
        "rem-big": "open",
        "rem-l02": "open",
    }
    assert _events("approved") == []
    assert not [t for t in _tables(at, BULK_LIST) if "Status" not in t.columns]


def test_bulk_approve_confirm_approves_each_listed_item_individually(snapshot, reminders, app_test, frontdesk_l01):
    at = _review_bulk(app_test("board", user=frontdesk_l01).run())
    at.button(key="board_bulk_confirm").click().run()
    assert not at.exception
    assert at.success[0].value == "Bulk approved 3 of 3 drafts"
    statuses = _statuses()
    assert [statuses[f] for f in ("rem-1", "rem-2", "rem-3")] == ["approved"] * 3
    assert statuses["rem-big"] == "open" and statuses["rem-l02"] == "open"
    approvals = _events("approved")
    assert len(approvals) == 3 and {e["actor"] for e in approvals} == {"frontdesk_l01"}


def test_bulk_approve_is_not_offered_to_a_role_that_cannot_approve_the_type(snapshot, reminders, app_test, billing):
    at = app_test("board", user=billing).run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "board_bulk_review"]


# ----- reassign ----------------------------------------------------------------------------------------


def _open_card(at, flag_id: str):
    action_id = next(a["action_id"] for a in _actions() if a["flag_id"] == flag_id)
    at.selectbox(key="board_selected_action").set_value(action_id).run()
    return at, action_id


def test_reassign_offers_only_eligible_users_and_is_audited(snapshot, ledger, app_test, director, password):
    ledger.upsert_user("frontdesk_l02", password, "front_desk", ["L02"], "Front Desk L02")
    ledger.upsert_user("frontdesk_l01b", password, "front_desk", ["L01"], "Front Desk L01 B")
    at, action_id = _open_card(app_test("board", user=director).run(), "flag-l01-a")
    choice = at.selectbox(key=f"board_reassign_to_{action_id}")
    # Billing and the admin may decide re-auth packets everywhere; the L02 front desk and the director may not.
    assert sorted(choice.options) == [
        "Admin (admin)",
        "Billing (billing)",
        "Front Desk L01 B (front desk)",
        "Frontdesk_L01 (front desk)",
    ]
    choice.set_value("frontdesk_l01b").run()
    at.button(key="board_reassign").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Reassigned to Front Desk L01 B")
    [event] = _events("reassigned")
    assert (event["actor"], event["detail"]["to"], event["action_id"]) == ("director", "frontdesk_l01b", action_id)
    queue = _table(at, QUEUE)
    assert queue.set_index("Action ID").loc[action_id, "Worked by"] == "frontdesk_l01b"


def test_assigned_to_me_filter(snapshot, ledger, app_test, director, frontdesk_l01):
    action_id = next(a["action_id"] for a in _actions() if a["flag_id"] == "flag-l01-b")
    ledger.assign(director, action_id, "frontdesk_l01")
    at = app_test("board", user=frontdesk_l01).run()
    at.checkbox(key="board_filter_mine").check().run()
    assert list(_table(at, QUEUE)["Action ID"]) == [action_id]


# ----- paging, age filter, stats ---------------------------------------------------------------------


def test_queue_pages_through_every_row_once(snapshot, reminders, app_test, director, monkeypatch):
    monkeypatch.setenv("RCM_BOARD_PAGE_SIZE", "3")
    at = app_test("board", user=director).run()
    assert at.metric[0].value == "8"  # 3 re-auth drafts + 5 reminders, all open
    first = list(_table(at, QUEUE)["Action ID"])
    at.number_input(key="board_page").set_value(3).run()
    last = list(_table(at, QUEUE)["Action ID"])
    at.number_input(key="board_page").set_value(2).run()
    middle = list(_table(at, QUEUE)["Action ID"])
    assert len(first) == 3 and len(middle) == 3 and len(last) == 2
    assert sorted(first + middle + last) == sorted(a["action_id"] for a in _actions(statuses=["open"]))
    # A filter change starts again at page 1.
    at.multiselect(key="board_filter_types").set_value(["visit_reminder"]).run()
    assert at.number_input(key="board_page").value == 1


def test_a_link_opens_a_card_outside_the_first_page_and_never_another_locations(
    snapshot, ledger, app_test, frontdesk_l01, monkeypatch
):
    monkeypatch.setenv("RCM_BOARD_PAGE_SIZE", "1")
    cheapest = next(a for a in _actions() if a["flag_id"] == "flag-l01-b")  # second of L01's two: page 2
    at = app_test("board", user=frontdesk_l01)
    at.query_params["action"] = cheapest["action_id"]
    at.run()
    assert not at.exception
    assert at.subheader[0].value == plain(cheapest["title"])
    other = next(a for a in _actions() if a["flag_id"] == "flag-l02-a")
    at = app_test("board", user=frontdesk_l01)
    at.query_params["action"] = other["action_id"]
    at.run()
    at.run()
    assert all(s.value != plain(other["title"]) for s in at.subheader)
    denied = [e for e in _events("action_view_denied") if e["action_id"] == other["action_id"]]
    assert len(denied) == 1  # audited once per session, not on every rerun


def test_age_filter_hides_drafts_younger_than_the_bucket(snapshot, ledger, app_test, director):
    at = app_test("board", user=director).run()
    at.selectbox(key="board_filter_age").set_value("over 30 days").run()
    assert not at.exception
    assert at.metric[0].value == "0"
    assert "Nothing in this queue" in at.info[0].value


def test_queue_stats_show_open_age_and_decisions(snapshot, ledger, app_test, frontdesk_l01):
    action_id = next(a["action_id"] for a in _actions() if a["flag_id"] == "flag-l01-b")
    ledger.approve(frontdesk_l01, action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    at = app_test("board", user=frontdesk_l01).run()
    ages = _table(at, STATS_AGE)
    assert list(ages["Worked by"]) == ["Front desk (role)"] and list(ages["Open"]) == [1]  # L01 only
    decisions = _table(at, STATS_DECISIONS)
    assert list(decisions["Person"]) == ["frontdesk_l01"] and list(decisions["Decisions"]) == [1]
    assert list(_table(at, STATS_TIME)["Decisions"]) == [1]


# ----- audited CSV export ------------------------------------------------------------------------------


def test_board_csv_export_holds_the_filtered_queue_and_is_audited(
    snapshot, reminders, app_test, frontdesk_l01, download_payloads
):
    at = app_test("board", user=frontdesk_l01).run()
    at.multiselect(key="board_filter_types").set_value(["visit_reminder"]).run()
    at.button(key="board_export_prepare").click().run()
    assert not at.exception
    csv = download_payloads()[-1]
    assert sum("Reminder rem-" in line for line in csv.splitlines()) == 4 and "L02" not in csv
    assert _events("export") == []  # rendering is not downloading
    at.download_button(key="board_export_download").click().run()
    [event] = _events("export")
    assert event["detail"]["row_count"] == 4 and event["detail"]["location_ids"] == ["L01"]
    assert event["detail"]["what"] == "approval board queue"


# ----- users and roles (admins only) ---------------------------------------------------------------------


@pytest.fixture
def admin(ledger, password):
    return ledger.upsert_user("admin", password, "admin", ["*"], "Admin")


def test_admin_changes_a_users_role_and_locations_and_it_is_audited(snapshot, ledger, app_test, admin):
    at = app_test("admin", user=admin).run()
    assert not at.exception
    users_table = _table(at, ADMIN_USERS)
    assert "password_hash" not in users_table.columns
    at.selectbox(key="admin_user").set_value("frontdesk_l01").run()
    at.selectbox(key="admin_role_frontdesk_l01").set_value("billing").run()
    at.multiselect(key="admin_locations_frontdesk_l01").set_value(["L01", "L02"]).run()
    at.button(key="admin_save").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Saved {plain('frontdesk_l01')}: billing at L01, L02")
    [event] = _events("role_changed")
    assert event["detail"]["before"] == {"role": "front_desk", "locations": ["L01"], "disabled": False}
    assert event["detail"]["after"] == {"role": "billing", "locations": ["L01", "L02"], "disabled": False}
    assert _table(at, ROLE_CHANGES).shape[0] == 1


def test_a_disabled_user_is_signed_out_on_the_next_rerun(snapshot, ledger, app_test, admin, frontdesk_l01):
    at = app_test(user=frontdesk_l01).run()
    assert at.session_state["user"].username == "frontdesk_l01"
    ledger.change_user(admin, "frontdesk_l01", role="front_desk", locations=["L01"], disabled=True)
    at.run()
    assert "user" not in at.session_state
    assert "disabled" in at.warning[0].value


def test_a_location_change_applies_to_an_open_session(snapshot, ledger, app_test, admin, frontdesk_l01, rendered_text):
    at = app_test("board", user=frontdesk_l01).run()
    assert "AUTHN-2001" not in rendered_text(at)
    ledger.change_user(admin, "frontdesk_l01", role="front_desk", locations=["L02"], disabled=False)
    at.run()
    assert at.session_state["user"].locations == frozenset({"L02"})
    assert list(_table(at, QUEUE)["Clinic"]) == ["Eastside Clinic"]


@pytest.mark.parametrize("who", ["director", "frontdesk_l01", "billing"])
def test_users_page_is_refused_to_everyone_but_admins(snapshot, ledger, app_test, who, request):
    at = app_test("admin", user=request.getfixturevalue(who)).run()
    assert not at.exception
    assert "for administrators" in at.error[0].value
    assert not at.dataframe


def test_router_lists_the_users_page_for_admins_only(snapshot, ledger, app_test, admin, director):
    at = app_test(user=admin).run()
    at.switch_page("views/admin.py").run()
    assert at.title[0].value == "Users and roles"
    at = app_test(user=director).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/admin.py")


# ----- nothing prepared under one access survives it ----------------------------------------------------


def test_the_next_user_in_the_same_browser_gets_no_export_prepared_by_the_last(
    snapshot, ledger, app_test, director, frontdesk_l01, download_payloads
):
    import time

    at = app_test("board", user=director).run()
    at.button(key="board_export_prepare").click().run()
    assert "AUTHN-2001" in download_payloads()[-1] or "L02" in download_payloads()[-1]
    served_before = len(download_payloads())
    # The director's session expires; a front-desk user of L01 signs in at the same browser.
    at.session_state["last_active_at"] = time.time() - 10 * 3600
    at.run()
    assert "user" not in at.session_state and "board_export" not in at.session_state
    at.session_state["user"] = frontdesk_l01
    at.session_state["last_active_at"] = time.time()
    at.run()
    assert not at.exception
    assert not any(b.key == "board_export_download" for b in at.download_button)
    assert all("L02" not in payload for payload in download_payloads()[served_before:])


def test_a_location_taken_away_drops_the_export_and_the_linked_card_fetched_before(
    snapshot, ledger, app_test, admin, make_user, password, rendered_text
):
    both = ledger.upsert_user("fd_both", password, "front_desk", ["L01", "L02"], "Front Desk Both")
    l02_action = next(a["action_id"] for a in ledger.list_actions(both) if a["location_id"] == "L02")
    at = app_test("board", user=both)
    at.query_params["action"] = l02_action
    at.run()
    at.button(key="board_export_prepare").click().run()
    assert "AUTHN-2001" in rendered_text(at)
    ledger.change_user(admin, "fd_both", role="front_desk", locations=["L01"], disabled=False)
    at.run()
    assert at.session_state["user"].locations == frozenset({"L01"})
    assert "AUTHN-2001" not in rendered_text(at)
    assert "board_export" not in at.session_state and "board_linked_action" not in at.session_state


def test_urgent_cards_come_first_across_pages_not_within_one(snapshot, ledger, app_test, frontdesk_l01, monkeypatch):
    """Three urgent cards (L01's two re-auth packets, past due, and a $5 slot offer) and three costlier visit
    reminders due in weeks: with three cards a page, page one holds exactly the urgent ones."""
    from datetime import timedelta

    from emitters.models import DraftAction

    monkeypatch.setenv("RCM_BOARD_PAGE_SIZE", "3")
    later = date.today() + timedelta(days=30)

    def draft(flag_id, action_type, dollars):
        return DraftAction(
            flag_id=flag_id,
            action_type=action_type,
            location_id="L01",
            payer_id="P-AET",
            patient_id=f"PT-{flag_id}",
            title=f"{action_type} {flag_id}",
            recipient="the family",
            body="Body.",
            checklist=[],
            evidence=[],
            dollars_at_stake=Decimal(dollars),
            due_date=later,
            assigned_role="front_desk",
        )

    ledger.sync_drafts("slot_offer", [draft("slot-1", "slot_offer", "5.00")], run_id="r2")
    reminders = [draft(f"reminder-{i}", "visit_reminder", f"{500 + 100 * i}.00") for i in range(3)]
    ledger.sync_drafts("visit_reminder", reminders, run_id="r2")
    at = app_test("board", user=frontdesk_l01).run()
    assert not at.exception
    assert {"slot_offer", "visit_reminder"} <= set(at.multiselect(key="board_filter_types").value)
    cards = at.selectbox(key="board_selected_action").options
    assert len(cards) == 3 and all(card.startswith("Urgent · ") for card in cards)  # L01's two packets + the offer
    assert any("slot_offer slot-1" in card for card in cards)
    assert not any("visit_reminder" in card for card in cards)
