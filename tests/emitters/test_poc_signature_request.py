"""Plan-of-care signature requests: one document per plan and reason, addressed to the child's primary care
physician when the plan went there, the child's identifiers only in the body, the request as soon as the plan
is established, follow-ups whose number and due date move on as the signature ages, the certification
deadline in words (late once passed), and the plan sent for the record where an order on file replaces the
signature."""

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
    assert "have not yet received it back" in draft.body and "(follow-up 6)" in draft.body
    assert draft.due_date == date(2026, 2, 25)
    assert [c.present for c in draft.checklist] == [True, False]
    # Dated on approval, no day counts: the next night, on the same data, drafts the same fax.
    assert "Date: [date of approval]" in draft.body and "days ago" not in draft.body
    assert "signature_age_days" not in draft.evidence[0]
    next_night = make_poc_flag_row(
        "signature_overdue", as_of_date=date(2026, 3, 3), signature_age_days=52, days_since_plan_start=50
    )
    assert poc.draft_signature_requests([next_night], LOCATIONS, PATIENTS) == [draft]


def test_follow_up_number_and_due_date_move_with_the_age():
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
    assert later.due_date > first.due_date and "(follow-up 7)" in later.title and "(follow-up 7)" in later.body


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


def test_the_first_request_goes_out_when_the_plan_is_established_with_the_deadline():
    row = make_poc_flag_row(
        "signature_request",
        signature_age_days=1,
        signature_follow_up_number=None,
        certification_deadline_date=date(2026, 4, 1),
        is_certification_late=False,
        due_date=date(2026, 4, 1),
    )
    [draft] = poc.draft_signature_requests([row], LOCATIONS, PATIENTS)
    assert draft.title == "Signature request: plan of care POC-1"
    assert "Please\nreview, sign and date it." in draft.body
    assert "The certification is due by 04/01/2026" in draft.body
    assert draft.due_date == date(2026, 4, 1) and draft.evidence[0]["certification_deadline_date"] == "2026-04-01"


@pytest.mark.parametrize(
    ("days_left", "late", "words"),
    [
        (1, False, "The certification is due by 03/03/2026"),
        (0, False, "The certification is due by 03/02/2026"),
        (-1, True, "The certification was due by 03/01/2026 and is now late"),
    ],
)
def test_follow_ups_on_day_29_30_31_of_the_certification_window(days_left, late, words):
    deadline = date.fromordinal(AS_OF.toordinal() + days_left)
    row = make_poc_flag_row(
        "signature_overdue",
        signature_follow_up_number=4,
        certification_deadline_date=deadline,
        days_to_certification_deadline=days_left,
        is_certification_late=late,
        due_date=AS_OF if late else deadline,
    )
    [draft] = poc.draft_signature_requests([row], LOCATIONS, PATIENTS)
    assert words in draft.body and ("now late" in draft.body) is late


def test_an_order_on_file_sends_the_plan_for_the_record_without_asking_for_a_signature():
    row = make_poc_flag_row(
        "plan_notice", is_signature_waived_by_order=True, certification_deadline_date=date(2026, 3, 30)
    )
    [draft] = poc.draft_signature_requests([row], LOCATIONS, PATIENTS)
    assert draft.title == "Plan of care for the record: plan of care POC-1"
    assert "no signature is needed" in draft.body and "certification is due" not in draft.body
    assert [c.present for c in draft.checklist] == [True, True]


def test_a_progress_report_is_never_sent_to_a_physician_for_signature():
    with pytest.raises(ValueError, match="not sent to a physician"):
        poc.draft_signature_requests([make_poc_flag_row("progress_report_due")], LOCATIONS, PATIENTS)


def test_missing_npi_is_a_missing_checklist_item():
    [draft] = poc.draft_signature_requests([make_poc_flag_row("recert_due", physician_npi=None)], LOCATIONS, PATIENTS)
    assert draft.recipient == "Primary care physician (find the fax number)"
    assert draft.checklist[0].present is False


def test_front_desk_or_billing_approve():
    assert approver_roles(poc.ACTION_TYPE) == frozenset({"front_desk", "billing", "admin"})
