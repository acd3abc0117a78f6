"""claim_rejection_fix drafts: one per rejected claim, the reasons in words from the code seed, and what to correct."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from emitters.claim_rejection_fix import describe, draft_actions

LOCATIONS = {"L1": "North Clinic"}


def flag(**overrides) -> dict:
    row = {
        "flag_id": "f1",
        "rule_name": "claim_rejection_fix",
        "as_of_date": date(2026, 3, 2),
        "claim_id": "CLM-0002",
        "location_id": "L1",
        "patient_id": "P1",
        "payer_id": "TXMCO1",
        "payer_name": "Synthetic MCO One",
        "service_date": date(2026, 2, 1),
        "rejection_id": "a2",
        "rejection_source": "277CA",
        "rejected_date": date(2026, 2, 3),
        "rejection_count": 1,
        "submission_count": 1,
        "dollars_at_risk": Decimal("80.00"),
        "due_date": date(2026, 5, 7),
        "days_to_filing_deadline": 66,
    }
    return {**row, **overrides}


def status_reason(**overrides) -> dict:
    row = {
        "flag_id": "f1",
        "reason_id": "s1",
        "code_list": "277_status",
        "code": "562",
        "description": "Entity's National Provider Identifier (NPI)",
        "fix": "Correct the NPI of the entity named (check digit, enrollment with the payer)",
        "status_category_code": "A7",
        "status_category_description": "Acknowledgement/Rejected for Invalid Information",
        "status_category_fix": "Correct the invalid information and resubmit",
        "entity_code": "85",
        "entity_description": "Billing Provider",
        "segment_id": None,
        "loop_id": None,
        "element_position": None,
        "procedure_code": None,
    }
    return {**row, **overrides}


def test_277ca_rejection_names_the_claim_the_reason_in_words_and_the_fix():
    [action] = draft_actions([flag()], {"f1": [status_reason()]}, LOCATIONS)
    assert action.title == "Rejected claim CLM-0002: correct and resubmit (North Clinic)"
    assert "Claim: CLM-0002" in action.body
    assert (
        "Acknowledgement/Rejected for Invalid Information: Entity's National Provider Identifier (NPI) "
        "(about the Billing Provider)"
    ) in action.body
    assert "Correct: Correct the NPI of the entity named" in action.body
    assert "Filing deadline: 2026-05-07\n" in action.body
    assert action.due_date == date(2026, 5, 7) and action.dollars_at_stake == Decimal("80.00")
    assert action.assigned_role == "billing" and action.action_type == "claim_rejection_fix"


def test_999_rejection_names_the_segment_loop_and_element():
    reason = {
        "flag_id": "f1",
        "reason_id": "e2",
        "code_list": "999_element_error",
        "code": "7",
        "description": "Invalid Code Value",
        "fix": "Use a valid code",
        "segment_id": "NM1",
        "loop_id": "2010BA",
        "element_position": 9,
    }
    [action] = draft_actions([flag(rejection_source="999")], {"f1": [reason]}, LOCATIONS)
    assert "NM109 in loop 2010BA: Invalid Code Value" in action.body
    assert "999: the file could not be read as sent" in action.body


def test_a_code_the_seed_does_not_hold_still_drafts_with_its_code_and_a_way_to_find_out():
    what = describe(status_reason(code="9999", description=None, fix=None, status_category_fix=None))
    assert "status code 9999 (not in the code list)" in what["what"]
    assert "rejection report" in what["fix"]


def test_line_status_names_the_procedure_code():
    what = describe(
        status_reason(procedure_code="97530", code="454", description="Procedure code for services rendered")
    )
    assert what["what"].startswith("Line 97530: ")


def test_flag_without_reasons_is_set_aside():
    with pytest.raises(ValueError, match="no rejection reasons"):
        draft_actions([flag()], {}, LOCATIONS)


def test_unknown_rejection_source_is_set_aside():
    with pytest.raises(ValueError, match="rejection_source"):
        draft_actions([flag(rejection_source="835")], {"f1": [status_reason()]}, LOCATIONS)
