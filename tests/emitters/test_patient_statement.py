"""The patient statement: what the payers left the family to pay, in plain words, never to a Medicaid family."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from emitters import patient_statement

GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = date(2026, 3, 2)
SETTINGS = SimpleNamespace(
    statement_practice_name="Sunny Steps Pediatric Therapy",
    statement_billing_phone="(512) 555-0100",
    statement_billing_contact="Dana Reyes, billing manager",
)
LOCATIONS = {
    "L01": {
        "location_id": "L01",
        "location_name": "Sunny Steps North",
        "address_line": "100 Main St",
        "city": "Austin",
        "state": "TX",
        "zip": "78704",
    }
}
ROW = {
    "flag_id": "f1",
    "rule_name": "patient_statement",
    "rule_version": "1",
    "as_of_date": TODAY,
    "claim_id": "CL010000123",
    "visit_id": "VS-L01-0000123",
    "location_id": "L01",
    "patient_id": "PT-L01-00045",
    "patient_first_name": "Mia",
    "patient_last_name": "Lopez",
    "guardian_name": "Ana Lopez",
    "payer_id": "COMM1",
    "payer_name": "Blue Horizon Health",
    "first_service_date": date(2026, 2, 2),
    "last_service_date": date(2026, 2, 2),
    "latest_payment_date": date(2026, 2, 20),
    "charge_amount": Decimal("225.00"),
    "insurance_paid_amount": Decimal("100.00"),
    "insurance_adjusted_amount": Decimal("72.00"),
    "deductible_amount": Decimal("20.00"),
    "coinsurance_amount": Decimal("15.00"),
    "copay_amount": Decimal("10.00"),
    "not_covered_amount": Decimal("8.00"),
    "patient_responsibility_amount": Decimal("53.00"),
    "family_paid_amount": Decimal("10.00"),
    "has_medicaid": False,
    "dollars_at_risk": Decimal("43.00"),
    "due_date": date(2026, 2, 20),  # the payers' last answer, as the mart sets it
}
LINES = [
    {
        "flag_id": "f1",
        "claim_id": "CL010000123",
        "line_number": 2,
        "service_date": date(2026, 2, 2),
        "procedure_code": "97110",
        "procedure_description": None,
        "billed_units": 1,
        "charge_amount": Decimal("75.00"),
        "insurance_paid_amount": Decimal("40.00"),
        "insurance_adjusted_amount": Decimal("17.00"),
        "patient_responsibility_amount": Decimal("18.00"),
    },
    {
        "flag_id": "f1",
        "claim_id": "CL010000123",
        "line_number": 1,
        "service_date": date(2026, 2, 2),
        "procedure_code": "97530",
        "procedure_description": "Therapeutic activities",
        "billed_units": 2,
        "charge_amount": Decimal("150.00"),
        "insurance_paid_amount": Decimal("60.00"),
        "insurance_adjusted_amount": Decimal("55.00"),
        "patient_responsibility_amount": Decimal("35.00"),
    },
]


def _draft(row=ROW, lines=LINES, settings=SETTINGS):
    return patient_statement.draft_statements([row], {"f1": lines}, LOCATIONS, settings)


def test_statement_golden_text():
    (draft,) = _draft()
    assert draft.body == (GOLDEN / "patient_statement.txt").read_text(encoding="utf-8")
    assert draft.body.index("code 97530") < draft.body.index("code 97110")  # lines in claim order


def test_statement_title_evidence_and_money_carry_no_patient_value():
    (draft,) = _draft()
    assert draft.title == "Patient statement $43.00: claim CL010000123 (Sunny Steps North)"
    assert draft.dollars_at_stake == Decimal("43.00") and draft.assigned_role == "billing"
    evidence = str(draft.evidence)
    assert "Mia" not in evidence and "Lopez" not in evidence
    assert {"Mia", "Lopez", "Ana Lopez"} <= set(draft.phi_terms)


def test_statement_without_family_payment_or_kinds_omits_them():
    row = {
        **ROW,
        "family_paid_amount": Decimal("0.00"),
        "deductible_amount": Decimal("0.00"),
        "not_covered_amount": Decimal("0.00"),
        "dollars_at_risk": Decimal("53.00"),
    }
    (draft,) = _draft(row=row)
    assert "Already paid by you" not in draft.body and "Deductible" not in draft.body
    assert "Not covered" not in draft.body and "Amount due" in draft.body and "$53.00" in draft.body


def test_practice_name_falls_back_to_the_clinic():
    (draft,) = _draft(settings=SimpleNamespace(**{**vars(SETTINGS), "statement_practice_name": ""}))
    assert draft.body.startswith("Sunny Steps North\n")


@pytest.mark.parametrize("has_medicaid", [True, None])
def test_never_a_statement_for_a_child_with_medicaid_or_unknown_coverage(has_medicaid):
    with pytest.raises(ValueError, match="Medicaid"):
        _draft(row={**ROW, "has_medicaid": has_medicaid})


def test_nothing_due_or_no_lines_is_refused():
    with pytest.raises(ValueError, match="nothing is due"):
        _draft(row={**ROW, "dollars_at_risk": Decimal("0.00")})
    with pytest.raises(ValueError, match="no answered lines"):
        _draft(lines=[])
