"""Schedule-this-patient outreach: one front-desk task per child with an open plan of care and nothing
booked, family-facing text and call script under the minimum-necessary guard, money and due date from the
flag row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from emitters.family_messages import MinimumNecessaryViolation, assert_minimum_necessary
from emitters.registry import approver_roles
from emitters.schedule_patient import ACTION_TYPE, call_script, draft_schedule_patient_tasks, text_message


def _row(**extra) -> dict:
    return {
        "flag_id": "F1",
        "rule_name": "open_plan_no_future_visit",
        "rule_version": "1",
        "as_of_date": date(2026, 11, 26),
        "patient_id": "PT-L01-00007",
        "plan_of_care_id": "POC-L01-00007-2",
        "location_id": "L01",
        "location_name": "Sunny Steps - Austin",
        "payer_id": "TXMCO1",
        "plan_end_date": date(2027, 1, 20),
        "frequency_per_week": 2,
        "last_kept_visit_date": date(2026, 11, 12),
        "days_since_last_kept_visit": 14,
        "last_provider_id": "PR-L01-01",
        "last_provider_first_name": "Jordan",
        "weeks_at_risk": 4,
        "dollars_at_risk": Decimal("712.00"),
        "guardian_phone": "(512) 555-0101",
        "first_name": "Zebulon",
        "member_id": "CANARY77310",
        "diagnosis_codes": "F82|R27.8",
        **extra,
    }


def test_one_task_per_flag_with_money_due_date_and_front_desk_role():
    drafts = draft_schedule_patient_tasks([_row(flag_id="F2"), _row()])
    assert [d.flag_id for d in drafts] == ["F1", "F2"]
    draft = drafts[0]
    assert draft.action_type == ACTION_TYPE and draft.assigned_role == "front_desk"
    # Due the day it is found: the ledger gives the date (ActionType.due_days_after_raised), the row has none.
    assert draft.dollars_at_stake == Decimal("712.00") and draft.due_date is None
    next_day = _row(as_of_date=date(2026, 11, 27), days_since_last_kept_visit=15)
    assert draft_schedule_patient_tasks([next_day, _row(flag_id="F2")]) == drafts
    assert draft.evidence[0]["plan_of_care_id"] == "POC-L01-00007-2"
    assert draft.evidence[0]["last_kept_visit_date"] == "2026-11-12"
    assert "front_desk" in approver_roles(ACTION_TYPE)


def test_family_text_and_script_carry_no_name_member_id_diagnosis_or_clinical_words():
    draft = draft_schedule_patient_tasks([_row()])[0]
    assert_minimum_necessary(draft.body, ["Zebulon", "CANARY77310", "F82", "R27.8"])
    assert "Jordan" in draft.body and "2 visit(s) a week" in draft.body
    assert "(512) 555-0101" not in draft.title


def test_a_family_text_that_would_carry_the_childs_name_is_refused():
    with pytest.raises(MinimumNecessaryViolation):
        draft_schedule_patient_tasks([_row(last_provider_first_name="Zebulon")])


def test_without_a_last_therapist_the_text_still_reads():
    row = _row(last_provider_first_name=None, last_kept_visit_date=None, days_since_last_kept_visit=None)
    assert " with " not in text_message(row).split(":", 1)[1].split("on the calendar")[0]
    assert "no upcoming visits on the calendar" in call_script(row)
