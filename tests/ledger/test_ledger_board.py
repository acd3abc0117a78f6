"""The ledger's board queries (filtering, sorting, paging and figures in SQL), assignment, bulk approval of
low-risk drafts and user administration."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.approval_date import APPROVAL_DATE
from delivery.dispatcher import refusal_reason
from emitters.models import DraftAction
from ledger import InvalidTransition, PermissionDenied, QueueFilter, sha256_text
from tests.ledger.helpers import shown_body_sha256

PASSWORD = "correct horse battery staple"  # the stored users' password (tests/emitters/conftest.py)

LOW_RISK = frozenset({"visit_reminder"})
LIMIT = Decimal("100.00")


def _draft(
    flag_id: str,
    *,
    location_id: str = "L01",
    dollars: str = "50.00",
    due: date | None = date(2026, 3, 9),
    action_type: str = "visit_reminder",
    payer_id: str = "P-AET",
    body: str | None = None,
) -> DraftAction:
    return DraftAction(
        flag_id=flag_id,
        action_type=action_type,
        location_id=location_id,
        payer_id=payer_id,
        patient_id=f"PT-{flag_id}",
        title=f"Action {flag_id}",
        recipient="Family",
        body=body or f"Body of {flag_id}.",
        dollars_at_stake=Decimal(dollars),
        due_date=due,
        assigned_role="front_desk",
    )


def _sync(ledger, drafts, action_type="visit_reminder"):
    ledger.sync_drafts(action_type, [d for d in drafts if d.action_type == action_type], "run-1")


def _shown(listed):
    """What the board keeps when it lists drafts for a bulk approval: action id -> hash of the text shown."""
    return {a["action_id"]: sha256_text(a["body"]) for a in listed}


def _ids_by_flag(ledger, user):
    return {a["flag_id"]: a["action_id"] for a in ledger.list_actions(user)}


def _events(ledger, users, event_type):
    return ledger.audit_events(users["admin"], event_types=[event_type])


# ----- queue: sorting, paging, totals, scope ----------------------------------------------------


def test_queue_sorts_money_as_numbers_then_due_date_and_pages_without_gaps(ledger, users):
    # "1200.00" sorts below "960.00" as text; the queue must sort it as money.
    _sync(
        ledger,
        [
            _draft("a", dollars="960.00"),
            _draft("b", dollars="1200.00"),
            _draft("c", dollars="90.00"),
            _draft("d", dollars="90.00", due=date(2026, 3, 3)),
            _draft("e", dollars="90.00", due=None),
        ],
    )
    director = users["director"]
    pages = [ledger.queue_page(director, QueueFilter(), limit=2, offset=offset) for offset in (0, 2, 4)]
    titles = [r["flag_id"] for page in pages for r in page.rows]
    assert titles == ["b", "a", "d", "c", "e"]  # equal money: earliest due first, no due date last
    assert [len(p.rows) for p in pages] == [2, 2, 1]
    assert {p.total for p in pages} == {5}
    assert pages[0].total_dollars == Decimal("2430.00")


def test_queue_is_scoped_to_the_users_locations_even_when_asked_for_another(ledger, users):
    _sync(ledger, [_draft("a"), _draft("b", location_id="L02", dollars="500.00")])
    fd = users["fd_l01"]
    page = ledger.queue_page(fd, QueueFilter())
    assert [r["location_id"] for r in page.rows] == ["L01"] and page.total == 1
    asked = ledger.queue_page(fd, QueueFilter(location_ids=("L02",)))
    assert asked.rows == [] and asked.total == 0 and asked.total_dollars == Decimal(0)
    assert ledger.queue_filter_options(fd)["location_ids"] == ["L01"]
    assert ledger.queue_filter_options(users["director"])["location_ids"] == ["L01", "L02"]


def test_queue_filters_by_type_payer_and_location(ledger, users):
    _sync(ledger, [_draft("a"), _draft("b", payer_id="P-MCD"), _draft("c", location_id="L02")])
    _sync(ledger, [_draft("r", action_type="reauth_packet")], action_type="reauth_packet")
    director = users["director"]
    assert [r["flag_id"] for r in ledger.queue_page(director, QueueFilter(payer_ids=("P-MCD",))).rows] == ["b"]
    assert [r["flag_id"] for r in ledger.queue_page(director, QueueFilter(action_types=("reauth_packet",))).rows] == [
        "r"
    ]
    only_l02 = ledger.queue_page(director, QueueFilter(location_ids=("L02",)))
    assert [r["flag_id"] for r in only_l02.rows] == ["c"]
    assert ledger.queue_filter_options(director)["action_types"] == ["reauth_packet", "visit_reminder"]


def test_snooze_counts_as_open_from_its_date_on_not_the_day_before(ledger, users, clock):
    _sync(ledger, [_draft("a")])
    fd = users["fd_l01"]
    action_id = _ids_by_flag(ledger, fd)["a"]
    ledger.snooze(fd, action_id, clock.now.date() + timedelta(days=2))
    open_only, snoozed = QueueFilter(statuses=("open",)), QueueFilter(statuses=("snoozed",))
    clock.advance(days=1)  # the day before the snooze date
    assert ledger.queue_page(fd, open_only).total == 0 and ledger.queue_page(fd, snoozed).total == 1
    clock.advance(days=1)  # the snooze date itself
    assert ledger.queue_page(fd, open_only).total == 1 and ledger.queue_page(fd, snoozed).total == 0
    assert ledger.queue_page(fd, open_only).rows[0]["status"] == "open"


def test_age_filter_edges(ledger, users, clock):
    _sync(ledger, [_draft("a")])
    director = users["director"]
    three_to_seven = QueueFilter(min_age_days=3, max_age_days=7)
    zero_to_two = QueueFilter(min_age_days=0, max_age_days=2)
    clock.advance(days=2, hours=23)  # still 2 days old
    assert (
        ledger.queue_page(director, zero_to_two).total == 1 and ledger.queue_page(director, three_to_seven).total == 0
    )
    clock.advance(hours=1)  # exactly 3 days old
    assert (
        ledger.queue_page(director, zero_to_two).total == 0 and ledger.queue_page(director, three_to_seven).total == 1
    )
    clock.advance(days=5)  # 8 days old
    assert ledger.queue_page(director, three_to_seven).total == 0
    assert ledger.queue_page(director, QueueFilter(min_age_days=8)).total == 1


def test_list_actions_filters_status_in_sql_with_the_same_order(ledger, users):
    _sync(ledger, [_draft("a", dollars="10.00"), _draft("b", dollars="20.00")])
    fd = users["fd_l01"]
    ledger.approve(
        fd, _ids_by_flag(ledger, fd)["a"], expected_body_sha256=shown_body_sha256(ledger, _ids_by_flag(ledger, fd)["a"])
    )
    assert [a["flag_id"] for a in ledger.list_actions(fd, statuses=["open"])] == ["b"]
    assert [a["flag_id"] for a in ledger.list_actions(fd)] == ["b", "a"]
    assert ledger.list_actions(fd, action_types=[]) == []  # an empty list asks for nothing


# ----- assignment ---------------------------------------------------------------------------------


def test_eligible_assignees_are_enabled_users_who_may_decide_it_there(ledger, users):
    _sync(ledger, [_draft("a")])
    action_id = _ids_by_flag(ledger, users["director"])["a"]
    names = [u["username"] for u in ledger.eligible_assignees(users["fd_l01"], action_id)]
    assert names == ["admin", "fd_l01"]  # not fd_l02 (other location), not billing or directors (role)
    assert ledger.eligible_assignees(users["fd_l02"], action_id) == []  # out of the asker's scope


def test_reassign_routes_to_an_eligible_user_and_is_audited(ledger, users):
    _sync(ledger, [_draft("a")])
    action_id = _ids_by_flag(ledger, users["director"])["a"]
    ledger.assign(users["director"], action_id, "fd_l01")  # a supervisor may route what it cannot decide
    ledger.assign(users["fd_l01"], action_id, "admin")
    events = _events(ledger, users, "reassigned")
    assert [(e["actor"], e["detail"]["from"], e["detail"]["to"]) for e in reversed(events)] == [
        ("director", None, "fd_l01"),
        ("fd_l01", "fd_l01", "admin"),
    ]
    assert all(e["location_id"] == "L01" and e["action_id"] == action_id for e in events)
    mine = ledger.queue_page(users["admin"], QueueFilter(assignee="admin"))
    assert [r["assignee"] for r in mine.rows] == ["admin"]
    assert ledger.queue_page(users["admin"], QueueFilter(assignee="fd_l01")).total == 0


@pytest.mark.parametrize("assignee", ["fd_l02", "billing", "nobody"])
def test_reassign_refuses_a_user_who_may_not_decide_it(ledger, users, assignee):
    _sync(ledger, [_draft("a")])
    action_id = _ids_by_flag(ledger, users["director"])["a"]
    with pytest.raises(PermissionDenied):
        ledger.assign(users["fd_l01"], action_id, assignee)
    assert _events(ledger, users, "reassigned") == []


def test_reassign_refuses_out_of_scope_actors_disabled_targets_and_decided_actions(ledger, users):
    _sync(ledger, [_draft("a")])
    action_id = _ids_by_flag(ledger, users["director"])["a"]
    with pytest.raises(PermissionDenied):
        ledger.assign(users["fd_l02"], action_id, "fd_l01")
    with pytest.raises(PermissionDenied):
        ledger.assign(users["billing"], action_id, "fd_l01")  # billing neither decides nor supervises
    ledger.change_user(users["admin"], "fd_l01", role="front_desk", locations=["L01"], disabled=True)
    with pytest.raises(PermissionDenied):
        ledger.assign(users["admin"], action_id, "fd_l01")
    ledger.approve(users["admin"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    with pytest.raises(InvalidTransition):
        ledger.assign(users["admin"], action_id, "admin")


# ----- bulk approval --------------------------------------------------------------------------------


def test_low_risk_list_keeps_only_open_unedited_cheap_drafts_of_the_type_in_scope(ledger, users):
    _sync(
        ledger,
        [
            _draft("at_limit", dollars="100.00"),
            _draft("over", dollars="100.01"),
            _draft("edited"),
            _draft("decided"),
            _draft("other_loc", location_id="L02"),
        ],
    )
    _sync(ledger, [_draft("not_low_risk", action_type="reauth_packet")], action_type="reauth_packet")
    fd = users["fd_l01"]
    ids = _ids_by_flag(ledger, users["director"])
    ledger.edit_draft(fd, ids["edited"], "Changed by a person.")
    ledger.approve(fd, ids["decided"], expected_body_sha256=shown_body_sha256(ledger, ids["decided"]))
    listed = ledger.low_risk_actions(fd, "visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK)
    assert [a["flag_id"] for a in listed] == ["at_limit"]
    assert ledger.low_risk_actions(fd, "reauth_packet", max_dollars=LIMIT, low_risk_types=LOW_RISK) == []
    # A role that may not approve the type gets nothing to bulk-approve.
    assert ledger.low_risk_actions(users["billing"], "visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK) == []


def test_bulk_approve_writes_one_approval_per_draft_that_the_dispatcher_accepts(ledger, users):
    _sync(ledger, [_draft("a"), _draft("b"), _draft("c")])
    fd = users["fd_l01"]
    listed = ledger.low_risk_actions(fd, "visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK)
    ids = [a["action_id"] for a in listed]
    result = ledger.bulk_approve(
        fd, _shown(listed), action_type="visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK
    )
    assert sorted(result.approved) == sorted(ids) and result.refused == []
    approvals = _events(ledger, users, "approved")
    assert sorted(e["action_id"] for e in approvals) == sorted(ids)
    assert {e["actor"] for e in approvals} == {"fd_l01"}
    chain = ledger.verify()
    for action in ledger.approved_undispatched():
        assert refusal_reason(ledger, action, ledger.approval_event(action["action_id"]), chain) is None
    summary = _events(ledger, users, "bulk_approved")
    assert len(summary) == 1 and sorted(summary[0]["detail"]["approved"]) == sorted(ids)


def test_approval_dates_the_letter_the_day_it_is_approved_where_the_group_works(ledger, users, clock, monkeypatch):
    monkeypatch.setenv("RCM_GROUP_TIME_ZONE", "America/Chicago")  # UTC-6 in March
    letter = f"Statement date: {APPROVAL_DATE}\nDear family,"
    _sync(ledger, [_draft("evening", body=letter), _draft("midnight", body=letter)])
    fd = users["fd_l01"]
    ids = _ids_by_flag(ledger, fd)
    clock.now = datetime(2026, 3, 3, 5, 59, tzinfo=UTC)  # 11:59 pm on March 2 in Chicago, already March 3 in UTC
    evening = ledger.approve(fd, ids["evening"], expected_body_sha256=sha256_text(letter))
    clock.now = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # midnight in Chicago
    midnight = ledger.approve(fd, ids["midnight"], expected_body_sha256=sha256_text(letter))

    assert evening["body"] == "Statement date: March 2, 2026\nDear family,"
    assert midnight["body"] == "Statement date: March 3, 2026\nDear family,"
    assert not evening["is_edited"] and not midnight["is_edited"]  # the pipeline's draft is dated with it
    # The approval binds the dated text: the dispatcher sends it, and would refuse any other.
    chain = ledger.verify()
    for action in ledger.approved_undispatched():
        assert refusal_reason(ledger, action, ledger.approval_event(action["action_id"]), chain) is None
        assert ledger.approval_event(action["action_id"])["detail"]["body_sha256"] == sha256_text(action["body"])


def test_approval_dates_an_837p_envelope_the_day_it_is_approved_and_binds_that_text(ledger, users, clock, monkeypatch):
    monkeypatch.setenv("RCM_GROUP_TIME_ZONE", "America/Chicago")
    isa = "ISA*00*          *00*          *ZZ*SUBMITTER01    *ZZ*CLEARINGHOUSE  *261102*0700*^*00501*000000012*0*P*:~"
    claim = (
        f"{isa}\nGS*HC*SUBMITTER01*CLEARINGHOUSE*20261102*0700*12*X*005010X222A1~\nST*837*0001*005010X222A1~\n"
        "BHT*0019*00*C0000012*20261102*0700*CH~\nDTP*472*D8*20261102~\nSE*4*0001~\nGE*1*12~\nIEA*1*000000012~\n"
    )
    _sync(ledger, [_draft("claim", body=claim, action_type="secondary_claim")], action_type="secondary_claim")
    billing = users["billing"]
    clock.now = datetime(2026, 12, 5, 5, 30, tzinfo=UTC)  # 11:30 pm on December 4 in Chicago
    approved = ledger.approve(billing, _ids_by_flag(ledger, billing)["claim"], expected_body_sha256=sha256_text(claim))

    lines = approved["body"].split("\n")
    assert lines[0] == isa.replace("*261102*", "*261204*") and len(lines[0]) == len(isa)
    assert lines[1].split("*")[4] == "20261204" and lines[3].split("*")[4] == "20261204"
    assert "DTP*472*D8*20261102~" in lines  # the date of service is data, never the approval day
    assert not approved["is_edited"]
    chain = ledger.verify()
    (action,) = ledger.approved_undispatched()
    assert refusal_reason(ledger, action, ledger.approval_event(action["action_id"]), chain) is None
    assert ledger.approval_event(action["action_id"])["detail"]["body_sha256"] == sha256_text(approved["body"])


def test_bulk_approve_refuses_a_draft_that_changed_after_it_was_listed(ledger, users):
    _sync(ledger, [_draft("a"), _draft("b")])
    fd = users["fd_l01"]
    ids = _ids_by_flag(ledger, fd)
    listed = _shown(ledger.low_risk_actions(fd, "visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK))
    ledger.edit_draft(fd, ids["b"], "Edited between listing and confirming.")
    result = ledger.bulk_approve(fd, listed, action_type="visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK)
    assert result.approved == [ids["a"]] and [i for i, _ in result.refused] == [ids["b"]]
    assert [a["flag_id"] for a in ledger.list_actions(fd, statuses=["open"])] == ["b"]


def test_bulk_approve_refuses_a_draft_a_pipeline_run_refreshed_after_it_was_listed(ledger, users):
    """A refresh rewrites an unedited draft (it stays low-risk), so only the shown text's hash catches it."""
    _sync(ledger, [_draft("a"), _draft("b")])
    fd = users["fd_l01"]
    ids = _ids_by_flag(ledger, fd)
    listed = _shown(ledger.low_risk_actions(fd, "visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK))
    _sync(ledger, [_draft("a"), _draft("b", body="Your visit moved to Friday 4pm.")])
    assert ids["b"] in {
        a["action_id"]
        for a in ledger.low_risk_actions(fd, "visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK)
    }
    result = ledger.bulk_approve(fd, listed, action_type="visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK)
    assert result.approved == [ids["a"]] and [i for i, _ in result.refused] == [ids["b"]]
    assert "changed since it was shown" in result.refused[0][1]


def test_bulk_approve_approves_nothing_outside_scope_or_of_a_type_not_low_risk(ledger, users):
    _sync(ledger, [_draft("a", location_id="L02")])
    action_id = _ids_by_flag(ledger, users["director"])["a"]
    result = ledger.bulk_approve(
        users["fd_l01"], {action_id: "any"}, action_type="visit_reminder", max_dollars=LIMIT, low_risk_types=LOW_RISK
    )
    assert result.approved == [] and len(result.refused) == 1
    result = ledger.bulk_approve(
        users["fd_l02"], {action_id: "any"}, action_type="visit_reminder", max_dollars=LIMIT, low_risk_types=frozenset()
    )
    assert result.approved == []
    assert _events(ledger, users, "approved") == []


# ----- queue stats -----------------------------------------------------------------------------------


def test_queue_stats_age_buckets_decisions_per_week_and_median_time(ledger, users, clock):
    _sync(ledger, [_draft("old")])
    clock.advance(days=10)
    _sync(ledger, [_draft("old"), _draft("new1"), _draft("new2"), _draft("l02", location_id="L02")])
    fd = users["fd_l01"]
    ids = _ids_by_flag(ledger, users["director"])
    ledger.assign(fd, ids["new2"], "fd_l01")
    clock.advance(hours=4)
    ledger.approve(
        fd, ids["new1"], expected_body_sha256=shown_body_sha256(ledger, ids["new1"])
    )  # 4 hours after its draft
    clock.advance(hours=2)
    ledger.reject(fd, ids["old"], "Duplicate")  # 10 days 6 hours after its draft
    ledger.approve(users["fd_l02"], ids["l02"], expected_body_sha256=shown_body_sha256(ledger, ids["l02"]))
    stats = ledger.queue_stats(fd)
    assert [(r["worked_by"], r["bucket"], r["open_count"]) for r in stats["open_by_age"]] == [("fd_l01", "0-2 days", 1)]
    assert stats["decisions_by_week"] == [
        {"actor": "fd_l01", "week_start": date(2026, 3, 9), "decisions": 2}
    ]  # L02's approval is out of scope
    assert stats["time_to_decision"] == [
        {"actor": "fd_l01", "decisions": 2, "median_hours_to_decision": round((4 + 246) / 2, 1)}
    ]
    everyone = ledger.queue_stats(users["director"])
    assert {r["actor"] for r in everyone["decisions_by_week"]} == {"fd_l01", "fd_l02"}


# ----- user administration -----------------------------------------------------------------------------


def test_change_user_is_admin_only_and_audited_before_and_after_without_the_hash(ledger, users):
    with pytest.raises(PermissionDenied):
        ledger.change_user(users["director"], "fd_l01", role="billing", locations=["L01"], disabled=False)
    with pytest.raises(PermissionDenied):
        ledger.list_users(users["director"])
    ledger.change_user(users["admin"], "fd_l01", role="billing", locations=["L01", "L02"], disabled=False)
    [event] = _events(ledger, users, "role_changed")
    assert event["actor"] == "admin"
    assert event["detail"] == {
        "username": "fd_l01",
        "before": {"role": "front_desk", "locations": ["L01"], "disabled": False},
        "after": {"role": "billing", "locations": ["L01", "L02"], "disabled": False},
    }
    assert "argon2" not in event["detail_json"]
    assert "argon2" not in json.dumps(ledger.list_users(users["admin"]))
    assert ledger.get_user("fd_l01").role == "billing"
    # Saving the same values again records nothing.
    ledger.change_user(users["admin"], "fd_l01", role="billing", locations=["L02", "L01"], disabled=False)
    assert len(_events(ledger, users, "role_changed")) == 1


def test_a_location_removed_or_an_account_disabled_takes_effect_at_once(ledger, users):
    _sync(ledger, [_draft("a", location_id="L02")])
    action_id = _ids_by_flag(ledger, users["director"])["a"]
    stale_session_user = users["fd_l02"]
    ledger.change_user(users["admin"], "fd_l02", role="front_desk", locations=["L01"], disabled=False)
    with pytest.raises(PermissionDenied):
        ledger.approve(stale_session_user, action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    ledger.change_user(users["admin"], "fd_l02", role="front_desk", locations=["L02"], disabled=True)
    assert ledger.stored_user_state("fd_l02") == ("disabled", None)
    assert ledger.authenticate("fd_l02", PASSWORD) is None
    assert ledger.stored_user_state("nobody") == ("unknown", None)
    assert ledger.stored_user_state("fd_l01")[1].locations == frozenset({"L01"})


def test_the_last_enabled_admin_cannot_be_demoted_or_disabled(ledger, users):
    for change in ({"role": "director", "disabled": False}, {"role": "admin", "disabled": True}):
        with pytest.raises(InvalidTransition):
            ledger.change_user(users["admin"], "admin", locations=["*"], **change)
    ledger.change_user(users["admin"], "director", role="admin", locations=["*"], disabled=False)
    ledger.change_user(users["admin"], "admin", role="director", locations=["*"], disabled=False)
    assert ledger.get_user("admin").role == "director"


def test_change_user_rejects_an_unknown_role_or_no_location(ledger, users):
    with pytest.raises(ValueError, match="unknown role 'superuser'"):
        ledger.change_user(users["admin"], "fd_l01", role="superuser", locations=["L01"], disabled=False)
    with pytest.raises(ValueError, match="a user needs at least one location"):
        ledger.change_user(users["admin"], "fd_l01", role="front_desk", locations=[], disabled=False)


def test_a_location_admin_manages_only_users_inside_their_locations(ledger, users):
    admin_l01 = ledger.upsert_user("admin_l01", "a-long-test-password", "admin", ["L01"], "Admin L01")
    # Widening their own (or anyone's) access to a location they do not hold, or to all, is refused.
    for locations in (["*"], ["L01", "L02"]):
        with pytest.raises(PermissionDenied):
            ledger.change_user(admin_l01, "admin_l01", role="admin", locations=locations, disabled=False)
    # Users of another location, or of all locations, are neither listed nor changeable.
    with pytest.raises(PermissionDenied):
        ledger.change_user(admin_l01, "fd_l02", role="front_desk", locations=["L02"], disabled=True)
    with pytest.raises(PermissionDenied):
        ledger.change_user(admin_l01, "director", role="director", locations=["*"], disabled=True)
    assert {u["username"] for u in ledger.list_users(admin_l01)} == {"admin_l01", "director_l01", "fd_l01"}
    # Inside their location the change goes through and is audited.
    ledger.change_user(admin_l01, "fd_l01", role="billing", locations=["L01"], disabled=False)
    assert ledger.get_user("fd_l01").role == "billing"
    assert ledger.get_user("admin_l01").locations == frozenset({"L01"})
