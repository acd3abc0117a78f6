"""Urgent exclusion tasks to the compliance lead: pure function from flag rows to DraftActions."""

from __future__ import annotations

from datetime import date

import pytest

from core.approval_date import APPROVAL_DATE
from emitters import exclusion_task
from emitters.registry import action_type

AS_OF = date(2026, 3, 2)
LOCATIONS = {"L1": "North Clinic"}


def _row(**overrides):
    row = {
        "flag_id": "f-excl",
        "rule_name": "exclusion_match",
        "rule_version": "1",
        "as_of_date": AS_OF,
        "provider_id": "PR1",
        "location_id": "L1",
        "provider_name": "Ada Synthetic",
        "exclusion_lists": "oig_leie|sam",
        "matched_entries": "oig_leie:2|sam:9",
        "matched_entry_count": 2,
        "flag_reasons": "the OIG exclusion list (LEIE) lists the provider's NPI; the SAM.gov exclusion list lists "
        "the provider's name: confirm it is the same person (date of birth, address)",
        "first_exclusion_date": date(2024, 5, 1),
        "is_confirmed_match": True,
        "urgency": "urgent",
    }
    row.update(overrides)
    return row


def _draft(**overrides):
    (only,) = exclusion_task.draft_tasks([_row(**overrides)], LOCATIONS)
    return only


def test_a_confirmed_match_on_both_lists_is_one_urgent_task_dated_on_approval():
    task = _draft()
    assert task.title == "URGENT exclusion match: Ada Synthetic (North Clinic)"
    assert task.recipient == "Compliance lead" and task.assigned_role == "credentialing"
    # Due the day a run first finds it: the ledger gives the date (the row has none); the memo is dated on approval.
    assert task.due_date is None and task.body.splitlines()[1] == APPROVAL_DATE
    assert _draft(as_of_date=date(2026, 3, 3)) == task
    assert "the OIG exclusion list (LEIE) and the SAM.gov exclusion list" in task.body
    assert "- the OIG exclusion list (LEIE) lists the provider's NPI" in task.body
    assert "treat it as an exclusion" in task.body and "since\n   05/01/2024" in task.body
    assert "off the schedule" in task.body and "hold every claim" in task.body
    assert task.evidence[0]["matched_entries"] == "oig_leie:2|sam:9"


def test_a_name_only_match_asks_to_confirm_the_person_today():
    task = _draft(exclusion_lists="sam", is_confirmed_match=False, flag_reasons="the SAM.gov exclusion list lists x")
    assert "on name only: confirm it is the same person" in task.body
    assert "treat it as an exclusion" not in task.body


def test_an_unknown_list_is_a_row_the_emitter_sets_aside():
    with pytest.raises(ValueError, match="unknown exclusion list"):
        _draft(exclusion_lists="state_medicaid")


def test_registered_in_the_credentialing_area_for_the_compliance_roles():
    declared = action_type("exclusion_task")
    assert declared.flag_model == "flag_exclusion_matches" and declared.leak_area == "credentialing"
    assert declared.approver_roles == frozenset({"credentialing", "director", "admin"}) and not declared.low_risk
    assert declared.as_of_columns == ("as_of_date",) and declared.due_days_after_raised == 0
