"""The write-off review for a patient share Medicaid (primary) leaves: never the family's, the billing lead's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from emitters import medicaid_balance_write_off

TODAY = date(2026, 3, 2)
ROW = {
    "flag_id": "w1",
    "rule_name": "medicaid_balance_write_off",
    "rule_version": "1",
    "as_of_date": TODAY,
    "claim_id": "CL010000456",
    "visit_id": "VS-L01-0000456",
    "location_id": "L01",
    "patient_id": "PT-L01-00077",
    "payer_id": "TXMCO1",
    "payer_name": "Lone Star Kids Medicaid",
    "medicaid_priority": 1,
    "other_coverage_payer_id": None,
    "first_service_date": date(2026, 2, 2),
    "last_service_date": date(2026, 2, 2),
    "latest_payment_date": date(2026, 2, 20),
    "charge_amount": Decimal("225.00"),
    "insurance_paid_amount": Decimal("120.00"),
    "deductible_amount": Decimal("0.00"),
    "coinsurance_amount": Decimal("0.00"),
    "copay_amount": Decimal("15.00"),
    "not_covered_amount": Decimal("0.00"),
    "patient_responsibility_amount": Decimal("15.00"),
    "family_paid_amount": Decimal("0.00"),
    "dollars_at_risk": Decimal("15.00"),
    "due_date": TODAY,
}
NAMES = {"L01": "Sunny Steps North"}


def test_draft_says_why_the_family_is_not_billed_and_what_to_adjust_off():
    (draft,) = medicaid_balance_write_off.draft_write_offs([ROW], NAMES)
    assert draft.body == (
        "Write-off review for the billing lead: claim CL010000456 (visit VS-L01-0000456)\n"
        "Primary payer: Lone Star Kids Medicaid (Medicaid)\n"
        "Date of service: February 2, 2026; answered February 20, 2026\n"
        "Charges $225.00; Medicaid paid $120.00\n"
        "Patient share on the 835: $15.00 copay (PR-3)\n"
        "Amount to adjust off: $15.00\n"
        "\n"
        "Why this cannot go to the family: the child's primary coverage on the date of service is Medicaid, and a "
        "Medicaid provider accepts Medicaid's payment as payment in full (42 CFR 447.15). A patient share Medicaid "
        "leaves is adjusted off, never billed to the family.\n"
        "\n"
        "Check first: that Medicaid really was primary on the date of service, and whether other coverage should "
        "have paid before Medicaid (Medicaid is the payer of last resort). If so, bill that plan instead of writing "
        "the balance off.\n"
    )
    assert draft.title == "Write-off review, Medicaid patient share $15.00: claim CL010000456 (Sunny Steps North)"
    assert draft.action_type == "medicaid_balance_write_off" and draft.assigned_role == "billing"
    assert draft.dollars_at_stake == Decimal("15.00") and draft.recipient == "Billing lead"
    required = [c.item for c in draft.checklist if c.required]
    assert required == [
        "Confirm Lone Star Kids Medicaid was the child's primary coverage on the date of service "
        "(eligibility on that date)",
        "Check for other coverage to bill (commercial, TPL on the Medicaid eligibility response)",
    ]
    assert not any(c.present for c in draft.checklist)


def test_other_coverage_on_file_is_named_and_what_the_family_paid_is_refunded():
    row = ROW | {"other_coverage_payer_id": "COMM2", "family_paid_amount": Decimal("5.00")}
    (draft,) = medicaid_balance_write_off.draft_write_offs([row], NAMES)
    assert "Already paid by the family, to refund: $5.00" in draft.body
    required = [c.item for c in draft.checklist if c.required]
    assert "Check the other coverage on file (COMM2) and bill it before writing off" in required
    assert "Refund the $5.00 the family already paid for this visit" in required
    # the whole patient share comes off, whatever the family paid
    assert draft.dollars_at_stake == Decimal("15.00")


def test_a_row_with_no_patient_share_is_refused():
    with pytest.raises(ValueError, match="CL010000456: no patient share"):
        medicaid_balance_write_off.draft_write_offs([ROW | {"dollars_at_risk": Decimal("0.00")}], NAMES)
