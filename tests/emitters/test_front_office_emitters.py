"""Front-office emitters: family nudges name only the missing item (no name, birth date, member id,
diagnosis or clinical detail), faxes and records requests carry the child's identifiers only in the body,
records requests need the signed release, and eligibility tasks/alerts explain themselves."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from emitters import eligibility_alerts, intake_nudge, records_request, referral_callback, referral_fax
from emitters.front_office_text import ITEM_LABELS, FamilyTextViolation, assert_family_safe
from emitters.registry import approver_roles

AS_OF = date(2026, 3, 2)
LOCATIONS = {
    "L1": {
        "location_id": "L1",
        "location_name": "North Clinic",
        "address_line": "1 Test St",
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
        "time_zone": "America/Denver",
    }
}
NAMES = {"L1": "North Clinic"}
ZONES = {"L1": "America/Denver"}  # stored times are UTC; drafts must read in the location's zone
PATIENTS = {
    "P1": {
        "patient_id": "P1",
        "first_name": "Synth",
        "last_name": "Childe",
        "date_of_birth": date(2019, 4, 5),
        "member_id": "MBR778899",
        "diagnosis_codes": "F82|R27.8",
    }
}


def _item(document_type: str, channel: str, **extra) -> dict:
    return {
        "flag_id": f"f-{document_type}",
        "rule_name": "referral_packet_item_missing",
        "as_of_date": AS_OF,
        "referral_id": "RF1",
        "document_id": f"RF1-{document_type}",
        "document_type": document_type,
        "document_status": "requested",
        "requested_date": date(2026, 2, 20),
        "chase_channel": channel,
        "patient_id": "P1",
        "location_id": "L1",
        "referral_channel": "physician_fax",
        "received_at": datetime(2026, 2, 19, 15),
        "physician_npi": "1234567893",
        "has_signed_release": channel == "records_request",
        "due_date": AS_OF,
        **extra,
    }


FAMILY_ITEMS = ("insurance_card", "developmental_history", "sensory_questionnaire", "release_of_information")


@pytest.mark.parametrize("document_type", FAMILY_ITEMS)
def test_family_nudge_names_only_the_missing_item(document_type):
    [draft] = intake_nudge.draft_nudges([_item(document_type, "family_nudge")], NAMES, PATIENTS)
    body = draft.body
    assert ITEM_LABELS[document_type] in body
    others = [label for item, label in ITEM_LABELS.items() if item != document_type]
    assert not any(label in body for label in others)
    for leak in (
        "Synth",
        "Childe",
        "04/05/2019",
        "2019-04-05",
        "MBR778899",
        "F82",
        "R27.8",
        "occupational",
        "autism",
        "diagnos",
        "97530",
    ):
        assert leak.lower() not in body.lower()
    assert draft.action_type == "intake_family_nudge" and draft.assigned_role == "front_desk"
    assert "Synth" not in draft.title and draft.recipient.startswith("Family")


def test_family_guard_rejects_identifiers_codes_and_clinical_words():
    with pytest.raises(FamilyTextViolation):
        assert_family_safe("We still need the card for Synth", ["Synth"])
    with pytest.raises(FamilyTextViolation):
        assert_family_safe("About F84.0: please send the form", [])
    with pytest.raises(FamilyTextViolation):
        assert_family_safe("Your child's autism screening form", [])
    with pytest.raises(FamilyTextViolation):
        assert_family_safe("Please confirm the member id", [])
    assert assert_family_safe("We still need the developmental history form.", ["Synth"])


def test_nudges_faxes_and_records_requests_split_by_channel():
    rows = [
        _item("insurance_card", "family_nudge"),
        _item("physician_order", "physician_fax"),
        _item("school_iep", "records_request"),
        _item("prior_therapy_records", "records_request"),
    ]
    assert [d.flag_id for d in intake_nudge.draft_nudges(rows, NAMES, PATIENTS)] == ["f-insurance_card"]
    assert [d.flag_id for d in referral_fax.draft_faxes(rows, LOCATIONS, PATIENTS)] == ["f-physician_order"]
    requests = records_request.draft_requests(rows, LOCATIONS, PATIENTS)
    assert [d.flag_id for d in requests] == ["f-prior_therapy_records", "f-school_iep"]
    assert requests[1].recipient.startswith("School district")
    assert all(c.present for d in requests for c in d.checklist)
    assert all("release of information" in d.body for d in requests)


def test_fax_is_ready_to_send_and_keeps_identifiers_out_of_the_title():
    [fax] = referral_fax.draft_faxes([_item("physician_order", "physician_fax")], LOCATIONS, PATIENTS)
    assert "Patient: Synth Childe" in fax.body and "Date of birth: 04/05/2019" in fax.body
    assert "NPI 1234567893" in fax.body and "signed and dated physician order" in fax.body
    assert set(fax.phi_terms) == {"Synth", "Childe", "04/05/2019"}
    assert not any(term in fax.title for term in fax.phi_terms)
    assert "F82" not in fax.body and "MBR778899" not in fax.body
    assert "To: Referring physician (NPI 1234567893)" in fax.body  # no name on the referral
    # Received 2026-02-19 15:00 UTC = 08:00 in Denver; a referral at 03:00 UTC is the evening before there.
    assert "on 02/19/2026" in fax.body
    [late] = referral_fax.draft_faxes(
        [_item("physician_order", "physician_fax", received_at=datetime(2026, 2, 20, 3))], LOCATIONS, PATIENTS
    )
    assert "on 02/19/2026" in late.body


def test_fax_is_addressed_to_the_referring_physician_by_name_when_the_referral_carries_it():
    [fax] = referral_fax.draft_faxes(
        [_item("physician_order", "physician_fax", physician_name="Dr. Alvarez")], LOCATIONS, PATIENTS
    )
    assert "To: Dr. Alvarez (NPI 1234567893)" in fax.body and fax.recipient == "Dr. Alvarez (NPI 1234567893)"


def test_drafts_are_deterministic():
    rows = [_item(t, "family_nudge") for t in FAMILY_ITEMS]
    assert intake_nudge.draft_nudges(rows, NAMES, PATIENTS) == intake_nudge.draft_nudges(
        list(reversed(rows)), NAMES, PATIENTS
    )


def test_eligibility_task_with_a_stale_check_on_the_medicaid_visit_morning_names_both_reasons():
    check = {
        "flag_id": "c2",
        "rule_name": "eligibility_check_due",
        "as_of_date": AS_OF,
        "appointment_id": "AP2",
        "location_id": "L1",
        "patient_id": "P1",
        "payer_id": "TXMCO1",
        "payer_name": "Lone Star",
        "scheduled_start_at": datetime(2026, 3, 2, 22),
        "eligibility_window_hours": 48,
        "window_opens_at": datetime(2026, 2, 28, 22),
        "check_due_reason": "stale_check",
        "check_due_reasons": "stale_check|day_of_visit_recheck",
        "flag_reason": "The last check is older than the payer window of 48 hours; and Medicaid: recheck "
        "eligibility the morning of the visit",
        "dollars_at_risk": Decimal("90"),
        "due_date": date(2026, 3, 2),
    }
    [task] = eligibility_alerts.draft_check_tasks([check], NAMES, ZONES)
    assert "older than the payer window of 48 hours; and Medicaid: recheck eligibility the morning" in task.body
    assert "Mon 03/02/2026 3:00 PM MST" in task.body
    assert task.evidence[0]["check_due_reasons"] == "stale_check|day_of_visit_recheck"


def test_eligibility_check_task_and_coverage_alert():
    check = {
        "flag_id": "c1",
        "rule_name": "eligibility_check_due",
        "as_of_date": AS_OF,
        "appointment_id": "AP1",
        "location_id": "L1",
        "patient_id": "P1",
        "payer_id": "COMM1",
        "payer_name": "Acme PPO",
        "scheduled_start_at": datetime(2026, 3, 3, 15),
        "eligibility_window_hours": 72,
        "window_opens_at": datetime(2026, 2, 28, 15),
        "check_due_reason": "stale_check",
        "flag_reason": "The last check is older than the payer window of 72 hours",
        "dollars_at_risk": Decimal("88.5"),
        "due_date": date(2026, 3, 3),
    }
    [task] = eligibility_alerts.draft_check_tasks([check], NAMES, ZONES)
    assert task.action_type == "eligibility_check_task" and task.dollars_at_stake == Decimal("88.50")
    assert "Tue 03/03/2026 8:00 AM MST" in task.body and "UTC" not in task.body
    assert "AP1" in task.body and "72 hours" in task.body and task.evidence[0]["check_due_reason"] == "stale_check"
    change = {
        "flag_id": "v1",
        "rule_name": "coverage_change",
        "as_of_date": AS_OF,
        "patient_id": "P1",
        "location_id": "L1",
        "payer_id": "TXMCO1",
        "payer_name": "Lone Star",
        "eligibility_check_id": "E1",
        "checked_at": datetime(2026, 3, 1, 22),
        "coverage_status": "active",
        "reported_plan_payer_id": "TXMCO2",
        "reported_plan_name": "Bluebonnet",
        "is_inactive": False,
        "is_plan_change": True,
        "is_other_payer_reported": False,
        "is_visit_limit_reached": False,
        "is_authorization_invalidated": True,
        "invalidated_authorization_numbers": "PA1",
        "next_visit_at": datetime(2026, 3, 3, 15),
        "upcoming_visit_count": 2,
        "affected_appointment_ids": "AP1|AP7",
        "flag_reasons": "plan changed to Bluebonnet; authorization no longer valid",
        "dollars_at_risk": Decimal("150"),
        "due_date": date(2026, 3, 3),
    }
    [alert] = eligibility_alerts.draft_coverage_alerts([change], NAMES, ZONES)
    # 22:00 UTC on 1 March is 3 PM the same day in Denver; both affected visits are named.
    assert "Sun 03/01/2026 3:00 PM MST" in alert.body and "AP1|AP7" in alert.body and "UTC" not in alert.body
    assert "Bluebonnet" in alert.body and "PA1" in alert.body and "request a new authorization" in alert.body
    assert [c.present for c in alert.checklist] == [True, False, True, True, False]
    callback = {
        "flag_id": "r1",
        "rule_name": "referral_response_overdue",
        "as_of_date": AS_OF,
        "referral_id": "RF9",
        "location_id": "L1",
        "patient_id": "P1",
        "channel": "parent_phone",
        "status": "new",
        "received_at": datetime(2026, 2, 26, 10),
        "first_response_due_at": datetime(2026, 2, 27, 10),
        "hours_overdue": 62,
        "due_date": date(2026, 2, 27),
    }
    [call] = referral_callback.draft_callbacks([callback], NAMES, ZONES)
    assert "Thu 02/26/2026 3:00 AM MST" in call.body and "UTC" not in call.body
    assert "a parent's phone call" in call.body and "was due Fri 02/27/2026 3:00 AM MST." in call.body
    # The next night (a day more overdue) drafts the same task: it names when, never how long ago.
    next_night = {**callback, "as_of_date": AS_OF + timedelta(days=1), "hours_overdue": 86}
    assert referral_callback.draft_callbacks([next_night], NAMES, ZONES) == [call]


def test_every_front_office_action_type_has_approvers():
    for action_type in (
        "eligibility_check_task",
        "coverage_change_alert",
        "referral_callback",
        "intake_family_nudge",
        "referral_order_fax",
        "records_request",
    ):
        assert "front_desk" in approver_roles(action_type)


def test_note_fix_task_lists_each_failure_and_goes_to_the_therapist():
    from emitters.note_fix import draft_note_fixes

    row = {
        "flag_id": "n1",
        "rule_name": "note_audit_failure",
        "as_of_date": AS_OF,
        "visit_id": "VS1",
        "claim_id": "CL1",
        "location_id": "L1",
        "patient_id": "P1",
        "provider_id": "PR1",
        "provider_name": "Test Therapist",
        "payer_id": "TXMCO3",
        "unit_method": "per_code",
        "date_of_service": date(2026, 2, 26),
        "signed_at": None,
        "signing_window_hours": 72,
        "signing_deadline_at": datetime(2026, 3, 1, 23, 0),  # UTC: 4:00 PM in Denver
        "is_signed_late": False,
        "is_unsigned_past_window": True,
        "is_timed_minutes_missing": False,
        "is_units_inconsistent": True,
        "is_cpt_not_documented": True,
        "undocumented_cpt_codes": "97112",
        "is_no_goals_addressed": False,
        "failure_reasons": "x",
        "dollars_at_risk": Decimal("51.46"),
        "due_date": AS_OF,
    }
    [task] = draft_note_fixes([row], NAMES, ZONES)
    assert task.recipient == "Test Therapist (treating therapist)"
    # The payer's window and its deadline on the location's clock, never UTC.
    assert "signing window for this payer is 72 hours: the note was due by Sun 03/01/2026 4:00 PM MST." in task.body
    assert "UTC" not in task.body and "11:00 PM" not in task.body
    assert "Sign the note" in task.body and "(per_code)" in task.body and "97112" in task.body
    assert "goals" not in task.body and "late-entry" not in task.body
    assert "claim CL1 is on hold" in task.body and task.dollars_at_stake == Decimal("51.46")
    assert "billing" in approver_roles(task.action_type)
    # The claim already went out: it cannot be held, it is a corrected-claim risk.
    [sent] = draft_note_fixes([{**row, "is_claim_submitted": True}], NAMES, ZONES)
    assert "has already gone out" in sent.body and "corrected claim" in sent.body and "on hold" not in sent.body
    # Signed late: the deadline and the signature, both local.
    late = {
        **row,
        "is_unsigned_past_window": False,
        "is_signed_late": True,
        "signed_at": datetime(2026, 3, 2, 0, 30),
    }
    [task] = draft_note_fixes([late], NAMES, ZONES)
    assert "due by Sun 03/01/2026 4:00 PM MST; it was signed Sun 03/01/2026 5:30 PM MST." in task.body
    assert "late-entry attestation" in task.body and "Sign the note (" not in task.body
    # No signing failure: no window line.
    [units_only] = draft_note_fixes([{**row, "is_unsigned_past_window": False}], NAMES, ZONES)
    assert "signing window for this payer" not in units_only.body
