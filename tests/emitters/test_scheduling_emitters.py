"""Scheduling emitters: one slot offer at a time (drafting and approval), minimum-necessary family texts,
booking alerts and attendance letters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.approval_date import APPROVAL_DATE
from emitters.attendance_letter import draft_attendance_letters
from emitters.booking_alert import draft_booking_alerts
from emitters.drafting import PIPELINE_READER
from emitters.family_messages import MinimumNecessaryViolation, assert_minimum_necessary
from emitters.slot_offer import ACTION_TYPE, PriorOffer, draft_slot_offers, prior_offers
from ledger import InvalidTransition, Ledger
from tests.ledger.helpers import shown_body_sha256

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _candidate(slot: str, rank: int, waitlist: str, **extra) -> dict:
    return {
        "flag_id": f"F-{slot}-{waitlist}",
        "slot_id": slot,
        "match_rank": rank,
        "waitlist_id": waitlist,
        "location_id": "L01",
        "location_name": "Sunny Steps - Austin",
        "provider_id": "PR-1",
        "provider_first_name": "Jordan",
        "provider_name": "Jordan Reyes",
        "slot_date": date(2026, 12, 3),
        "slot_start_minute": 13 * 60,
        "slot_minutes": 60,
        "slot_state": "cancellation",
        "patient_id": f"P-{waitlist}",
        "payer_id": "COMM1",
        "days_waiting": 40 - rank,
        "fit_score": 2,
        "guardian_phone": "(512) 555-0101",
        **extra,
    }


def _clock(box):
    return lambda: box[0]


@pytest.fixture
def ledger(tmp_path):
    from argon2 import PasswordHasher

    box = [NOW]
    book = Ledger(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        clock=_clock(box),
        password_hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
    )
    book.upsert_user("fd", "pw-123456", "front_desk", ["L01"], "Front Desk")
    book.clock_box = box
    return book


def test_first_run_drafts_only_the_top_match_per_slot():
    rows = [_candidate("S1", 1, "W1"), _candidate("S1", 2, "W2"), _candidate("S2", 1, "W3")]
    drafts = draft_slot_offers(rows, [], NOW, 30)
    assert sorted(d.flag_id for d in drafts) == ["F-S1-W1", "F-S2-W3"]


def test_next_family_only_after_the_offer_window_of_the_sent_offer_has_passed():
    rows = [_candidate("S1", 1, "W1"), _candidate("S1", 2, "W2")]
    sent = PriorOffer("F-S1-W1", "S1", "W1", "sent", NOW - timedelta(minutes=29))
    assert draft_slot_offers(rows, [sent], NOW, 30) == []
    expired = PriorOffer("F-S1-W1", "S1", "W1", "sent", NOW - timedelta(minutes=30))
    assert [d.flag_id for d in draft_slot_offers(rows, [expired], NOW, 30)] == ["F-S1-W2"]
    rejected = PriorOffer("F-S1-W1", "S1", "W1", "rejected", NOW)
    assert [d.flag_id for d in draft_slot_offers(rows, [rejected], NOW, 30)] == ["F-S1-W2"]


def test_an_open_or_approved_offer_blocks_every_other_family():
    rows = [_candidate("S1", 1, "W1"), _candidate("S1", 2, "W2")]
    open_offer = PriorOffer("F-S1-W1", "S1", "W1", "open", NOW)
    assert [d.flag_id for d in draft_slot_offers(rows, [open_offer], NOW, 30)] == ["F-S1-W1"]
    approved = PriorOffer("F-S1-W1", "S1", "W1", "approved", NOW)
    assert draft_slot_offers(rows, [approved], NOW, 30) == []


def test_two_outreach_drafts_are_never_open_for_the_same_slot_at_once(ledger, tmp_path):
    """Through the real ledger, run after run: approve, send, let the window pass, reject; at every step
    at most one offer for the slot is open, snoozed or approved, and never two inside a window."""
    rows = [_candidate("S1", 1, "W1"), _candidate("S1", 2, "W2"), _candidate("S1", 3, "W3")]
    user = ledger.authenticate("fd", "pw-123456")

    def run() -> list[dict]:
        history = ledger.list_actions(PIPELINE_READER, action_types=[ACTION_TYPE])  # what the emitter asset reads
        drafts = draft_slot_offers(rows, prior_offers(history), ledger.clock_box[0], 30)
        ledger.sync_drafts(ACTION_TYPE, drafts, run_id=str(ledger.clock_box[0]))
        actions = ledger.list_actions(user, action_types=[ACTION_TYPE])
        live = [a for a in actions if a["status"] in ("open", "snoozed", "approved")]
        assert len(live) <= 1, live
        return actions

    first = run()
    assert [a["flag_id"] for a in first] == ["F-S1-W1"]
    run()  # a second run changes nothing
    ledger.approve(user, first[0]["action_id"], expected_body_sha256=shown_body_sha256(ledger, first[0]["action_id"]))
    assert [a["status"] for a in run()] == ["approved"]
    ledger.mark_sent(first[0]["action_id"], "file", str(tmp_path / "x"))
    ledger.clock_box[0] = NOW + timedelta(minutes=10)
    assert [a["flag_id"] for a in run()] == ["F-S1-W1"]  # inside the window: nobody else
    ledger.clock_box[0] = NOW + timedelta(minutes=31)
    second = [a for a in run() if a["status"] == "open"]
    assert [a["flag_id"] for a in second] == ["F-S1-W2"]
    ledger.reject(user, second[0]["action_id"], "family declined")
    third = [a for a in run() if a["status"] == "open"]
    assert [a["flag_id"] for a in third] == ["F-S1-W3"]


def test_the_ledger_refuses_to_approve_a_second_offer_for_a_slot(ledger, tmp_path):
    """Even if two drafts for one slot were open (e.g. written by hand), only one can be approved, and
    the other only after the sent one's window has passed."""
    drafts = draft_slot_offers([_candidate("S1", 1, "W1")], [], NOW, 30) + draft_slot_offers(
        [_candidate("S1", 2, "W2")], [], NOW, 30
    )
    ledger.sync_drafts(ACTION_TYPE, drafts, run_id="r1")
    user = ledger.authenticate("fd", "pw-123456")
    a, b = sorted(ledger.list_actions(user, action_types=[ACTION_TYPE]), key=lambda r: r["flag_id"])
    ledger.approve(user, a["action_id"], expected_body_sha256=shown_body_sha256(ledger, a["action_id"]))
    with pytest.raises(InvalidTransition, match="already approved"):
        ledger.approve(user, b["action_id"], expected_body_sha256=shown_body_sha256(ledger, b["action_id"]))
    ledger.mark_sent(a["action_id"], "file", str(tmp_path / "x"))
    ledger.clock_box[0] = NOW + timedelta(minutes=29)
    with pytest.raises(InvalidTransition, match="offer window"):
        ledger.approve(user, b["action_id"], expected_body_sha256=shown_body_sha256(ledger, b["action_id"]))
    ledger.clock_box[0] = NOW + timedelta(minutes=30)
    assert (
        ledger.approve(user, b["action_id"], expected_body_sha256=shown_body_sha256(ledger, b["action_id"]))["status"]
        == "approved"
    )


PHI_ROW = {
    "member_id": "SYN123456789",
    "patient_first_name": "Testa",
    "patient_last_name": "Synthetic",
    "diagnosis_codes": "F82|R27.8",
    "authorization_number": "PA01000123TX",
}


def test_texts_and_call_scripts_carry_no_diagnosis_member_id_or_clinical_detail():
    (draft,) = draft_slot_offers([_candidate("S1", 1, "W1", **PHI_ROW)], [], NOW, 30)
    body = draft.body
    for term in ("SYN123456789", "Testa", "Synthetic", "F82", "R27.8", "PA01000123TX", "97530", "diagnos"):
        assert term.lower() not in body.lower(), term
    assert "TEXT MESSAGE" in body and "CALL SCRIPT" in body
    assert "30 minutes" in body and "Thursday, December 3 at 1:00 PM" in body
    assert assert_minimum_necessary(body) == body


def test_the_guard_rejects_what_a_family_message_must_not_carry():
    for text in (
        "Visit for F84.0 tomorrow",
        "Your member id is 123",
        "We bill 97530 units",
        "About the autism evaluation",
        "See you Tuesday, Testa",
    ):
        with pytest.raises(MinimumNecessaryViolation):
            assert_minimum_necessary(text, ["Testa"])


def test_attendance_letter_has_counts_and_policy_only():
    row = {
        "flag_id": "A1",
        "rule_name": "attendance_below_policy",
        "rule_version": "1",
        "as_of_date": date(2026, 11, 26),
        "patient_id": "P1",
        "location_id": "L01",
        "location_name": "Sunny Steps - Austin",
        "payer_id": "TXMCO1",
        "kept_count": 6,
        "no_show_count": 2,
        "late_cancelled_count": 1,
        "counted_visits": 9,
        "attendance_rate": 6 / 9,
        "policy_min_rate": 0.85,
        "policy_window_days": 60,
        "next_visit_date": date(2026, 12, 1),
        "due_date": date(2026, 12, 1),
        **PHI_ROW,
    }
    (draft,) = draft_attendance_letters([row])
    assert "6 of 9 booked visits were kept (67%)" in draft.body and "at least 85%" in draft.body
    for term in ("SYN123456789", "Testa", "F82", "PA01000123TX"):
        assert term not in draft.body
    assert draft.action_type == "attendance_letter" and draft.due_date == date(2026, 12, 1)
    # Dated on approval: the next night, with the same counts, drafts the same letter.
    assert draft.body.splitlines()[1] == APPROVAL_DATE
    assert draft_attendance_letters([{**row, "as_of_date": date(2026, 11, 27)}]) == [draft]


def test_booking_alert_names_the_fix_and_the_dollars():
    row = {
        "flag_id": "B1",
        "rule_name": "booking_mismatch",
        "rule_version": "1",
        "as_of_date": date(2026, 11, 26),
        "appointment_id": "AP1",
        "location_id": "L01",
        "patient_id": "P1",
        "payer_id": "TXMCO1",
        "payer_name": "Lone Star Kids",
        "provider_id": "PR-90",
        "provider_name": "New Hire",
        "visit_date": date(2026, 12, 10),
        "local_start_minute": 540,
        "credential_check": "provider_not_enrolled",
        "authorization_check": "ok",
        "authorization_id": None,
        "last_authorization_end_date": None,
        "alternative_provider_id": "PR-04",
        "mismatch_reasons": "Therapist not enrolled with the payer on the visit date.",
        "suggested_fix": "Move the visit to Ana Lee, who is enrolled and free at that time.",
        "dollars_at_risk": 88.4,
    }
    (draft,) = draft_booking_alerts([row])
    assert "Move the visit to Ana Lee" in draft.body and "$88.40" in draft.body
    assert str(draft.dollars_at_stake) == "88.40" and draft.due_date == date(2026, 12, 10)


def test_a_family_holds_one_live_offer_across_slots_and_the_soonest_slot_picks_first():
    # W1 tops both slots: the sooner slot (S2, 09:00) offers to W1, the later one (S1, 13:00) to its next family.
    rows = [
        _candidate("S1", 1, "W1"),
        _candidate("S1", 2, "W2"),
        _candidate("S2", 1, "W1", slot_start_minute=9 * 60),
        _candidate("S2", 2, "W3", slot_start_minute=9 * 60),
    ]
    assert sorted(d.flag_id for d in draft_slot_offers(rows, [], NOW, 30)) == ["F-S1-W2", "F-S2-W1"]
    # W1 already holds a sent offer (inside its window) for another slot: it is passed over everywhere.
    held = PriorOffer("F-S9-W1", "S9", "W1", "sent", NOW - timedelta(minutes=5))
    assert sorted(d.flag_id for d in draft_slot_offers(rows, [held], NOW, 30)) == ["F-S1-W2", "F-S2-W3"]


def test_offer_carries_the_visit_dollars_and_the_preferences_it_misses_for_the_scheduler_only():
    (draft,) = draft_slot_offers(
        [_candidate("S1", 1, "W1", visit_amount=Decimal("92.5"), preference_misses="prefers the morning")], [], NOW, 30
    )
    assert draft.dollars_at_stake == Decimal("92.50") and draft.evidence[0]["visit_amount"] == "92.50"
    family_part, scheduler_part = draft.body.split("FOR THE SCHEDULER (not for the family)")
    assert "prefers the morning" in scheduler_part and "92.50" in scheduler_part
    assert "prefers" not in family_part and "92.50" not in family_part
