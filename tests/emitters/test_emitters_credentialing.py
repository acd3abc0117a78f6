"""The credentialing and payroll emitters: pure functions from flag rows to DraftActions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from core.approval_date import APPROVAL_DATE
from emitters import (
    claim_hold_notice,
    credential_renewal,
    enrollment_followup,
    payroll_discrepancy,
    provider_record_fix,
)
from emitters.registry import approver_roles

AS_OF = date(2026, 3, 2)
LOCATIONS = {"L1": "North Clinic"}


def _a_day_later(rows: list[dict]) -> list[dict]:
    """The same flag rows as a run of the next day holds them: only the as-of date moves."""
    return [{**row, "as_of_date": row["as_of_date"] + timedelta(days=1)} for row in rows]


def _renewal(**overrides):
    row = {
        "flag_id": "f-renew",
        "rule_name": "credential_renewal",
        "rule_version": "1",
        "as_of_date": AS_OF,
        "provider_id": "P1",
        "provider_name": "Ada Therapist",
        "location_id": "L1",
        "credential_type": "state_license",
        "credential_id": "C1",
        "credential_number": "TX-OT-123456",
        "issuing_state": "TX",
        "issued_date": date(2024, 6, 1),
        "expiration_date": date(2026, 5, 31),
        "rule_expiry_date": date(2026, 5, 31),
        "credential_status": "active",
        "days_to_expiry": 90,
        "reminder_tier": "90_days",
        "required_for_billing": True,
        "ce_hours": 30,
        "renewal_link": "https://board.example.org",
        "renewal_form": "OT license renewal",
        "due_date": date(2026, 5, 31),
    }
    return {**row, **overrides}


def test_renewal_reminder_names_the_tier_the_expiry_and_the_renewal_route():
    (draft,) = credential_renewal.draft_actions([_renewal()], LOCATIONS)
    assert draft.action_type == "credential_renewal" and draft.assigned_role == "credentialing"
    assert draft.title == "Renewal (90-day): State OT license - Ada Therapist (North Clinic)"
    assert "expires on 05/31/2026. Please start the renewal now." in draft.body and "days" not in draft.body
    assert draft.body.splitlines()[1] == APPROVAL_DATE
    assert "Visits cannot be billed to payers while this credential is lapsed." in draft.body
    assert "OT license renewal (https://board.example.org)" in draft.body
    missing = [i.item for i in draft.checklist if not i.present]
    assert missing == ["Continuing-education hours (30 h per cycle)"]
    assert draft.evidence[0]["rule_expiry_date"] == "2026-05-31" and draft.due_date == date(2026, 5, 31)
    # The next night (a day less to the expiry) drafts the same reminder: nothing to redraft while it waits.
    later = [{**row, "days_to_expiry": row["days_to_expiry"] - 1} for row in _a_day_later([_renewal()])]
    assert credential_renewal.draft_actions(later, LOCATIONS) == [draft]


def test_expired_and_missing_credentials_say_so_and_list_what_is_missing():
    expired, missing = credential_renewal.draft_actions(
        [
            _renewal(
                flag_id="a",
                credential_type="cpr_bls",
                reminder_tier="expired",
                days_to_expiry=-3,
                required_for_billing=False,
                ce_hours=None,
                rule_expiry_date=date(2026, 2, 27),
                due_date=date(2026, 2, 27),  # the mart's: overdue since the credential lapsed
            ),
            _renewal(
                flag_id="b",
                credential_type="caqh_attestation",
                reminder_tier="missing",
                credential_id=None,
                credential_number=None,
                rule_expiry_date=None,
                days_to_expiry=None,
                ce_hours=None,
                due_date=None,  # the mart's: due the day it is found, a date the ledger gives
            ),
        ],
        LOCATIONS,
    )
    assert "Your CPR/BLS card expired on 02/27/2026" in expired.body
    assert "cannot be billed" not in expired.body
    assert "We have no current CAQH ProView attestation on file" in missing.body
    assert expired.due_date == date(2026, 2, 27) and missing.due_date is None
    assert {i.item for i in missing.checklist if not i.present} == {"Current credential on file", "Credential number"}


def test_drafts_are_deterministic_and_ordered_by_flag_id():
    rows = [_renewal(flag_id="z"), _renewal(flag_id="a")]
    first = credential_renewal.draft_actions(rows, LOCATIONS)
    assert [d.flag_id for d in first] == ["a", "z"]
    assert first == credential_renewal.draft_actions(list(reversed(rows)), LOCATIONS)


def _followup(**overrides):
    row = {
        "flag_id": "f-enr",
        "as_of_date": AS_OF,
        "provider_id": "P9",
        "provider_name": "Bo New",
        "provider_npi": "1234567893",
        "location_id": "L1",
        "payer_id": "M1",
        "payer_name": "MCO One",
        "enrollment_id": "EN-9",
        "enrollment_status": "pending",
        "enrollment_effective_date": None,
        "has_pending_enrollment": True,
        "has_unbillable_scheduled_visits": True,
        "unbillable_visit_count": 3,
        "first_unbillable_date": date(2026, 3, 4),
        "last_unbillable_date": date(2026, 3, 18),
        "blocking_reason": "enrollment_pending",
        "first_lapsing_credential_type": None,
        "billing_valid_through_date": None,
        "dollars_at_risk": Decimal("240.00"),
        "flag_reasons": "x",
        "due_date": date(2026, 3, 4),
    }
    return {**row, **overrides}


def test_enrollment_followup_asks_the_payer_and_keeps_the_booking_note_internal():
    (draft,) = enrollment_followup.draft_actions([_followup()], LOCATIONS)
    assert draft.recipient == "MCO One Provider Enrollment" and draft.payer_id == "M1"
    assert "Please confirm its status, the effective date" in draft.body
    letter, note = draft.body.split("--- Internal note")
    assert "3 visit(s) booked from 03/04/2026 to 03/18/2026" in note and "$240.00" in note
    assert "240" not in letter
    assert draft.dollars_at_stake == Decimal("240.00")
    assert letter.splitlines()[1] == APPROVAL_DATE and draft.due_date == date(2026, 3, 4)
    assert enrollment_followup.draft_actions(_a_day_later([_followup()]), LOCATIONS) == [draft]


def test_a_pending_enrollment_alone_has_no_due_date_of_its_own():
    row = _followup(
        has_unbillable_scheduled_visits=False,
        unbillable_visit_count=0,
        first_unbillable_date=None,
        last_unbillable_date=None,
        blocking_reason=None,
        dollars_at_risk=Decimal("0"),
        due_date=None,
    )
    (draft,) = enrollment_followup.draft_actions([row], LOCATIONS)
    assert draft.due_date is None and "Internal note" not in draft.body  # the ledger dates it when first drafted


def test_enrollment_followup_for_a_lapsing_credential_names_it():
    (draft,) = enrollment_followup.draft_actions(
        [
            _followup(
                has_pending_enrollment=False,
                enrollment_status="enrolled",
                blocking_reason="credential_lapsed",
                first_lapsing_credential_type="caqh_attestation",
                billing_valid_through_date=date(2026, 3, 7),
            )
        ],
        LOCATIONS,
    )
    assert "CAQH ProView attestation is valid through 03/07/2026" in draft.body


def _hold(status: str):
    return {
        "flag_id": f"f-{status}",
        "as_of_date": AS_OF,
        "provider_id": "P9",
        "provider_name": "Bo New",
        "provider_npi": "1234567893",
        "location_id": "L1",
        "payer_id": "M1",
        "payer_name": "MCO One",
        "hold_status": status,
        "enrollment_id": "EN-9",
        "enrollment_status": "enrolled",
        "release_date": date(2026, 3, 15),
        "held_claim_count": 2,
        "before_effective_count": 2,
        "first_date_of_service": date(2026, 2, 24),
        "last_date_of_service": date(2026, 2, 27),
        "dollars_at_risk": Decimal("170.00"),
        "due_date": date(2026, 3, 15),
    }


CLAIMS = [
    {"claim_id": "CL2", "visit_id": "V2", "date_of_service": date(2026, 2, 27), "contracted_amount": Decimal("80.00")},
    {"claim_id": "CL1", "visit_id": "V1", "date_of_service": date(2026, 2, 24), "contracted_amount": Decimal("90.00")},
]


GOLDEN = Path(__file__).resolve().parent / "golden"


def test_hold_notice_for_dates_before_the_effective_date_never_advises_release_golden():
    (draft,) = claim_hold_notice.draft_actions([_hold("hold")], {"f-hold": CLAIMS}, LOCATIONS)
    assert draft.assigned_role == "billing" and draft.title.startswith("Hold claims: Bo New with MCO One")
    assert draft.body == (GOLDEN / "claim_hold_before_effective.txt").read_text(encoding="utf-8")
    assert "Release these" not in draft.body and "submit them now" not in draft.body
    assert draft.body.index("CL1") < draft.body.index("CL2")
    assert [e.get("claim_id") for e in draft.evidence[1:]] == ["CL1", "CL2"]
    assert claim_hold_notice.draft_actions(_a_day_later([_hold("hold")]), {"f-hold": CLAIMS}, LOCATIONS) == [draft]


def test_hold_notice_for_a_pending_enrollment_waits_for_the_effective_date():
    row = {**_hold("hold"), "enrollment_status": "pending", "release_date": None}
    (draft,) = claim_hold_notice.draft_actions([row], {"f-hold": CLAIMS}, LOCATIONS)
    assert "still pending, with no effective date" in draft.body and "Release these" not in draft.body


def test_release_notice_is_for_dates_on_or_after_the_effective_date():
    row = {
        **_hold("release"),
        "release_date": date(2026, 2, 20),
        "before_effective_count": 0,
        "enrollment_release_window_days": 10,
    }
    (draft,) = claim_hold_notice.draft_actions([row], {"f-release": CLAIMS}, LOCATIONS)
    assert draft.title.startswith("Release claims:")
    assert "took effect on 02/20/2026, on or before every date" in draft.body and "submit them now" in draft.body
    assert "listed for release for 10 days after it" in draft.body  # the window the hold mart used, from the flag


def test_hold_notice_does_not_mention_the_release_window():
    row = {**_hold("hold"), "enrollment_release_window_days": 10}
    (draft,) = claim_hold_notice.draft_actions([row], {"f-hold": CLAIMS}, LOCATIONS)
    assert "release window" not in draft.body


def test_provider_record_fix_for_an_invalid_npi_and_a_cota_without_supervisor():
    rows = [
        {
            "flag_id": "a",
            "as_of_date": AS_OF,
            "provider_id": "P1",
            "provider_name": "Ada",
            "location_id": "L1",
            "issue": "invalid_npi",
            "npi": "1234567890",
            "affected_visit_count": 0,
            "first_affected_date": None,
        },
        {
            "flag_id": "b",
            "as_of_date": AS_OF,
            "provider_id": "P2",
            "provider_name": "Cy",
            "location_id": "L1",
            "issue": "cota_without_supervising_otr",
            "npi": "1234567893",
            "supervising_provider_id": None,
            "affected_visit_count": 12,
            "first_affected_date": date(2026, 2, 1),
        },
    ]
    npi, cota = provider_record_fix.draft_actions(rows, LOCATIONS)
    assert "1234567890, fails the NPI check digit" in npi.body
    assert "12 visit(s) since 02/01/2026" in cota.body and "CO modifier" in cota.body
    # Due the day a run finds it (the ledger gives the date), dated on approval: the same draft the next day.
    assert npi.due_date is None and cota.due_date is None
    assert npi.body.splitlines()[1] == APPROVAL_DATE
    assert provider_record_fix.draft_actions(_a_day_later(rows), LOCATIONS) == [npi, cota]


def test_payroll_report_goes_to_the_office_manager_before_payroll_runs():
    row = {
        "flag_id": "p",
        "as_of_date": AS_OF,
        "provider_id": "P1",
        "provider_name": "Ada",
        "location_id": "L1",
        "pay_period_start": date(2026, 2, 16),
        "pay_period_end": date(2026, 3, 1),
        "payroll_run_date": date(2026, 3, 6),
        "due_date": date(2026, 3, 6),
    }
    days = {
        "p": [
            {
                "work_date": date(2026, 2, 27),
                "discrepancy_type": "hours_over_tolerance",
                "session_count": 4,
                "session_hours": Decimal("3.00"),
                "clinical_hours": Decimal("4.50"),
                "hours_difference": Decimal("1.50"),
            }
        ]
    }
    (draft,) = payroll_discrepancy.draft_actions([row], days, LOCATIONS)
    assert draft.assigned_role == "admin" and draft.due_date == date(2026, 3, 6)
    assert draft.body.splitlines()[1] == APPROVAL_DATE
    assert payroll_discrepancy.draft_actions(_a_day_later([row]), days, LOCATIONS) == [draft]
    assert "before payroll runs on 03/06/2026" in draft.body
    assert "02/27/2026: clinical hours differ from session hours by more than the tolerance" in draft.body


def test_every_credentialing_action_type_has_approvers():
    for action in (
        "credential_renewal",
        "enrollment_followup",
        "claim_hold_notice",
        "provider_record_fix",
        "payroll_discrepancy_report",
    ):
        assert approver_roles(action)
