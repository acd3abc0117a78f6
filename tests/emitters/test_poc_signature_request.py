"""Plan-of-care signature requests: one document per plan and reason, addressed to the child's primary care
physician when the plan went there, the child's identifiers only in the body, and a signature follow-up
whose number and due date move on as the signature ages (same flag_id, so the ledger refreshes the draft)."""

from __future__ import annotations

from datetime import date

import pytest

from emitters import poc_signature_request as poc
from emitters.registry import approver_roles
from tests.emitters.conftest import make_poc_flag_row

AS_OF = date(2026, 3, 2)
LOCATIONS = {
    "L1": {
        "location_id": "L1",
        "location_name": "North Clinic",
        "address_line": "1 Test St",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
    }
}
PATIENTS = {"P1": {"patient_id": "P1", "first_name": "Synth", "last_name": "Childe", "date_of_birth": date(2019, 4, 5)}}


def test_signature_follow_up_goes_to_the_pcp_with_identifiers_only_in_the_body():
    [draft] = poc.draft_signature_requests([make_poc_flag_row("signature_overdue")], LOCATIONS, PATIENTS)
    assert draft.action_type == "poc_signature_request" and draft.assigned_role == "front_desk"
    assert draft.recipient == "Primary care physician NPI 1234567893"
    assert "Synth Childe" in draft.body and "04/05/2019" in draft.body
    assert "Synth" not in draft.title and "Childe" not in draft.title
    assert draft.title == "Signature follow-up: plan of care POC-1 (follow-up 6)"
    assert "51 days ago" in draft.body and "(follow-up 6)" in draft.body
    assert draft.due_date == date(2026, 2, 25)
    assert [c.present for c in draft.checklist] == [True, False]
    assert draft.evidence[0]["signature_age_days"] == 51


def test_follow_up_moves_with_the_age_under_the_same_flag():
    first = poc.draft_signature_requests([make_poc_flag_row("signature_overdue")], LOCATIONS, PATIENTS)[0]
    later = poc.draft_signature_requests(
        [
            make_poc_flag_row(
                "signature_overdue", signature_age_days=58, signature_follow_up_number=7, due_date=date(2026, 3, 4)
            )
        ],
        LOCATIONS,
        PATIENTS,
    )[0]
    assert first.flag_id == later.flag_id
    assert later.due_date > first.due_date and "(follow-up 7)" in later.title and "58 days ago" in later.body


@pytest.mark.parametrize(
    "reason, words",
    [
        (
            "recert_due",
            ("Recertification: plan of care POC-1", "recertification date on 02/25/2026", "updated plan of care"),
        ),
    ],
)
def test_recertification_request(reason, words):
    [draft] = poc.draft_signature_requests([make_poc_flag_row(reason, is_sent_to_pcp=False)], LOCATIONS, PATIENTS)
    title, *body_words = words
    assert draft.title == title and "follow-up" not in draft.title
    assert draft.recipient == "Prescribing physician NPI 1234567893"
    for word in body_words:
        assert word in draft.body


def test_a_progress_report_is_never_sent_to_a_physician_for_signature():
    with pytest.raises(ValueError, match="not sent to a physician"):
        poc.draft_signature_requests([make_poc_flag_row("progress_report_due")], LOCATIONS, PATIENTS)


def test_missing_npi_is_a_missing_checklist_item():
    [draft] = poc.draft_signature_requests([make_poc_flag_row("recert_due", physician_npi=None)], LOCATIONS, PATIENTS)
    assert draft.recipient == "Primary care physician (find the fax number)"
    assert draft.checklist[0].present is False


def test_front_desk_or_billing_approve():
    assert approver_roles(poc.ACTION_TYPE) == frozenset({"front_desk", "billing", "admin"})
