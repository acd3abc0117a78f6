"""Pre-submission claim fix drafts (claims area): one per flagged claim, for billing, no PHI, deterministic."""

from datetime import date
from decimal import Decimal

import pytest

from emitters.claim_audit_fix import ACTION_TYPE, draft_actions
from emitters.registry import can_approve
from ledger import User

FLAG = {
    "flag_id": "f-1",
    "claim_id": "CL010000042",
    "location_id": "L01",
    "patient_id": "PT-L01-00001",
    "payer_id": "TXMCO1",
    "payer_name": "Lone Star Kids Health Plan",
    "visit_id": "VS-L01-0000042",
    "service_date": date(2026, 11, 20),
    "line_count": 2,
    "charge_amount": Decimal("206.00"),
    "dollars_at_risk": Decimal("97.46"),
    "due_date": date(2027, 2, 23),
    "days_to_filing_deadline": 89,
    "timely_filing_days": 95,
}
FAILURES = [
    {
        "audit_failure_id": "a2",
        "rule_name": "units_exceed_minutes",
        "rule_version": "1",
        "claim_id": "CL010000042",
        "line_number": 2,
        "service_date": date(2026, 11, 20),
        "procedure_code": "97110",
        "modifiers": "GO",
        "units": 2,
        "charge_amount": Decimal("124.00"),
        "place_of_service": "11",
        "failure_detail": "Bills 2 units; the documented 15 minutes support 1",
        "fix": "Bill 1 units",
    },
    {
        "audit_failure_id": "a1",
        "rule_name": "discipline_modifier",
        "rule_version": "1",
        "claim_id": "CL010000042",
        "line_number": 1,
        "service_date": date(2026, 11, 20),
        "procedure_code": "97530",
        "modifiers": "GP",
        "units": 1,
        "charge_amount": Decimal("72.00"),
        "place_of_service": "11",
        "failure_detail": "GP is the physical therapy modifier; an OT line takes GO",
        "fix": "Replace GP with GO",
    },
]


def test_one_draft_per_claim_lists_every_line_with_its_fix():
    (draft,) = draft_actions([FLAG], {"CL010000042": FAILURES}, {"L01": "Sunny Steps - Austin"})
    assert draft.action_type == ACTION_TYPE == "claim_audit_fix"
    assert draft.assigned_role == "billing" and draft.due_date == date(2027, 2, 23)
    assert draft.dollars_at_stake == Decimal("97.46")
    assert draft.title == (
        "Fix claim CL010000042 before submission: discipline_modifier, units_exceed_minutes (Sunny Steps - Austin)"
    )
    body = draft.body
    assert body.index("Line 1: 97530") < body.index("Line 2: 97110")
    assert "Fix: Replace GP with GO" in body and "Fix: Bill 1 units" in body
    assert "Filing deadline: 2027-02-23 (95-day limit)" in body
    assert [c.item for c in draft.checklist] == ["Line 1: discipline_modifier", "Line 2: units_exceed_minutes"]
    assert not any(c.present for c in draft.checklist)
    assert {e["audit_failure_id"] for e in draft.evidence} == {"a1", "a2"}
    assert "PT-L01" not in body and draft.phi_terms == []


def test_drafts_are_deterministic_and_a_flag_without_failures_is_an_error():
    first = draft_actions([FLAG], {"CL010000042": FAILURES}, {})
    again = draft_actions([FLAG], {"CL010000042": list(reversed(FAILURES))}, {})
    assert first == again
    with pytest.raises(ValueError, match="has no failure rows"):
        draft_actions([FLAG], {}, {})


def test_billing_approves_claim_fixes_and_front_desk_does_not():
    billing = User(username="b", display_name="B", role="billing", locations=frozenset({"L01"}))
    front = User(username="f", display_name="F", role="front_desk", locations=frozenset({"L01"}))
    assert can_approve(billing, ACTION_TYPE, "L01") and not can_approve(billing, ACTION_TYPE, "L02")
    assert not can_approve(front, ACTION_TYPE, "L01")
