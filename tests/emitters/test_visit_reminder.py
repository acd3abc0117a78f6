"""Visit reminders for the next 48 hours: the window's edges, one per appointment, the authorization notes,
and minimum necessary (no name, diagnosis, member id or clinical detail), proven with the family guard."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from emitters.family_messages import MinimumNecessaryViolation, assert_minimum_necessary, forbidden_terms
from emitters.registry import ACTION_TYPES
from emitters.visit_reminder import ACTION_TYPE, draft_visit_reminders, reminder_text

AS_OF = date(2026, 3, 2)


def _row(appointment: str, visit_date: date, **extra) -> dict:
    return {
        "flag_id": f"F-{appointment}",
        "rule_name": "visit_reminder_48h",
        "rule_version": "1",
        "as_of_date": AS_OF,
        "appointment_id": appointment,
        "patient_id": "P-1",
        "provider_id": "PR-1",
        "location_id": "L01",
        "location_name": "Sunny Steps - Austin",
        "payer_id": "TXMCO1",
        "appointment_type": "treatment",
        "visit_date": visit_date,
        "local_start_minute": 9 * 60 + 30,
        "authorization_id": "A-1",
        "approved_quantity": 12,
        "remaining_after_visit": 4,
        "authorization_end_date": date(2026, 6, 30),
        "is_last_authorized_visit": False,
        "is_authorization_ending_this_week": False,
        "guardian_phone": "(512) 555-0101",
        "due_date": visit_date - timedelta(days=1),
        **extra,
    }


def test_a_visit_flagged_on_both_nights_of_its_48_hours_drafts_the_same_reminder():
    # The window's edges are the flag model's (dbt unit test test_visit_reminders_48_hour_edge_...): a visit on
    # as_of + 2 is flagged again the next night as as_of + 1, and nothing in its draft may differ.
    visit = AS_OF + timedelta(days=2)
    first_night = draft_visit_reminders([_row("V", visit)])
    second_night = draft_visit_reminders([_row("V", visit, as_of_date=AS_OF + timedelta(days=1))])
    assert first_night == second_night and len(first_night) == 1
    assert first_night[0].due_date == visit - timedelta(days=1)
    assert "as_of_date" not in first_night[0].evidence[0]
    assert ACTION_TYPES[ACTION_TYPE].as_of_columns == ("as_of_date",)  # left out of its input hash too


def test_one_reminder_per_appointment():
    rows = [
        _row("V1", AS_OF + timedelta(days=1)),
        _row("V1", AS_OF + timedelta(days=1)),
        _row("V2", AS_OF + timedelta(days=2)),
    ]
    drafts = draft_visit_reminders(rows)
    assert sorted(d.flag_id for d in drafts) == ["F-V1", "F-V2"]
    assert {d.action_type for d in drafts} == {ACTION_TYPE}
    assert all(d.assigned_role == "front_desk" for d in drafts)


def test_the_reminder_knows_the_last_authorized_visit_and_the_end_this_week():
    plain = reminder_text(_row("V", date(2026, 3, 3)))
    assert "Tuesday, March 3 at 9:30 AM" in plain
    assert "last visit" not in plain and "ends on" not in plain
    last = draft_visit_reminders([_row("V", date(2026, 3, 3), is_last_authorized_visit=True, remaining_after_visit=0)])[
        0
    ]
    assert "This is the last visit your insurance has approved so far." in last.body
    assert "last authorized visit" in last.title
    ending = draft_visit_reminders(
        [_row("V", date(2026, 3, 4), is_authorization_ending_this_week=True, authorization_end_date=date(2026, 3, 9))]
    )[0]
    assert "Your insurance approval for visits ends on Monday, March 9" in ending.body
    assert "authorization ends this week" in ending.title
    assert ending.evidence[0]["is_authorization_ending_this_week"] is True
    assert ending.evidence[0]["authorization_end_date"] == "2026-03-09"


def test_reminders_carry_no_name_diagnosis_member_id_or_clinical_detail():
    # The flag mart selects none of these; even when a row carries them, the text never does.
    identifiers = {
        "member_id": "MEMB778899",
        "patient_first_name": "Zzcanary",
        "patient_last_name": "Testchild",
        "authorization_number": "AUTHN-55501",
        "diagnosis_codes": "F82|R27.8",
        "patient_date_of_birth": "2019-05-05",
    }
    row = _row(
        "V",
        date(2026, 3, 3),
        is_last_authorized_visit=True,
        is_authorization_ending_this_week=True,
        authorization_end_date=date(2026, 3, 5),
        **identifiers,
    )
    draft = draft_visit_reminders([row])[0]
    assert assert_minimum_necessary(draft.body, forbidden_terms(row)) == draft.body
    for value in (
        "MEMB778899",
        "Zzcanary",
        "Testchild",
        "AUTHN-55501",
        "F82",
        "R27.8",
        "2019-05-05",
        "A-1",
        "TXMCO1",
        "P-1",
    ):
        assert value not in draft.body and value not in draft.title
    assert "(512) 555-0101" not in draft.title and draft.phi_terms == ["(512) 555-0101"]


def test_the_guard_stops_a_reminder_that_would_carry_a_member_id():
    row = _row(
        "V", date(2026, 3, 3), member_id="MEMB778899", location_name="Sunny Steps MEMB778899"
    )  # a template fault that leaks the id
    with pytest.raises(MinimumNecessaryViolation):
        draft_visit_reminders([row])
    with pytest.raises(MinimumNecessaryViolation):
        draft_visit_reminders([_row("V", date(2026, 3, 3), location_name="Sensory gym")])
