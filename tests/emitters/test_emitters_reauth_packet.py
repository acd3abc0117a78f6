"""The re-authorization packet emitter: content, checklist, evidence, determinism, no PHI in titles."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from emitters.reauth_packet import draft_actions, requested_period, visit_counts

LOCATIONS = {"L01": "Northside Clinic", "L02": "Lakeside Clinic"}


@pytest.fixture
def draft_of(make_row, make_history):
    """Drafts one packet from a flag row (default: the sample row) and its visit history."""

    def build(row=None, history=None, items=None):
        row = row or make_row()
        history = make_history(row["authorization_id"]) if history is None else history
        return draft_actions([row], {row["authorization_id"]: history}, LOCATIONS, {str(row["flag_id"]): items or []})[
            0
        ]

    return build


def _check(draft, item):
    return next(c for c in draft.checklist if c.item == item)


def test_cover_letter_carries_everything_the_payer_needs(draft_of):
    body = draft_of().body
    assert body.splitlines()[1] == "[date of approval]"  # dated the day it is approved and faxed
    for expected in (
        "To: Sunshine Kids Health Plan Utilization Management",
        "Patient: Quillon Zephyrine",
        "Date of birth: 07/14/2019",
        "Member ID: MBR99887766",
        "Authorization number: PA7781234",
        "Current authorization window: 12/01/2025 to 03/31/2026",
        "Visits approved: 24; used: 20; scheduled: 6; remaining: 4",
        "Requested: 22 visits from 03/16/2026 to 05/31/2026 (2 visits per week x 11 weeks = 22 visits)",
        "Diagnoses (ICD-10-CM): F82, R27.8",
        "Procedures (CPT): 97530, 97165",
        "Treating therapist: Dana Whitfield, OTR; NPI 1558598797; license TX-OT-10442",
        "1. Buttons a shirt independently in 3 of 4 trials",
        "2. Copies a triangle with 80% accuracy",
        "projected to run out of visits before the end date",
    ):
        assert expected in body, expected
    assert body.endswith("Northside Clinic\n")


def test_action_fields_follow_the_interface(draft_of):
    draft = draft_of()
    assert draft.action_type == "reauth_packet"
    assert draft.flag_id == "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5"
    assert draft.recipient == "Sunshine Kids Health Plan Utilization Management"
    assert draft.assigned_role == "front_desk"
    assert draft.dollars_at_stake == Decimal("312.50")
    assert draft.due_date == date(2026, 3, 2)
    assert (draft.location_id, draft.payer_id, draft.patient_id) == ("L01", "P-SUN", "PT-1007")
    assert draft.title == "Re-auth: Sunshine Kids Health Plan auth PA7781234 (Northside Clinic)"


def test_missing_physician_signature_is_flagged_missing_in_checklist_and_letter(draft_of, make_row):
    draft = draft_of(make_row(physician_signed_date=None))
    item = _check(draft, "Physician signature on the plan of care")
    assert item.present is False
    assert "missing" in item.detail
    missing_section = draft.body.split("Still to be attached before sending:")[1]
    assert "Physician signature on the plan of care" in missing_section


def test_signed_plan_marks_signature_present(draft_of):
    item = _check(draft_of(), "Physician signature on the plan of care")
    assert item.present is True
    assert item.detail == "signed 11/25/2025 by NPI 1234567893"


def test_no_plan_of_care_marks_plan_goals_and_evaluation_missing(draft_of, make_row):
    row = make_row(
        plan_of_care_id=None,
        evaluation_date=None,
        plan_start_date=None,
        plan_end_date=None,
        frequency_per_week=None,
        duration_weeks=None,
        functional_goals=None,
        physician_npi=None,
        physician_signed_date=None,
    )
    draft = draft_of(row)
    assert not _check(draft, "Current plan of care").present
    assert not _check(draft, "Measurable functional goals").present
    assert not _check(draft, "Evaluation / re-evaluation").present
    assert "lists no functional goals" in draft.body
    assert "from 03/16/2026 to 05/31/2026" in draft.body  # the flag computes the window, with or without a plan


@pytest.mark.parametrize(
    ("plan_end", "present"),
    [
        (date(2026, 3, 1), False),  # day before as_of: expired
        (date(2026, 3, 2), True),  # day of as_of: still current
        (date(2026, 3, 3), True),
    ],
)
def test_plan_of_care_current_edge(plan_end, present, draft_of, make_row):
    assert _check(draft_of(make_row(plan_end_date=plan_end)), "Current plan of care").present is present


def test_no_treating_therapist_is_missing(draft_of, make_row):
    row = make_row(
        treating_provider_id=None,
        treating_provider_name=None,
        treating_provider_credential=None,
        treating_provider_npi=None,
        treating_provider_license=None,
    )
    draft = draft_of(row)
    assert not _check(draft, "Treating therapist credentials and NPI").present
    assert "Treating therapist: not yet assigned" in draft.body


def test_visit_counts_only_inside_the_window_with_edges():
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    history = [
        {"date_of_service": date(2025, 12, 31), "status": "arrived"},  # day before start
        {"date_of_service": date(2026, 1, 1), "status": "arrived"},  # first day
        {"date_of_service": date(2026, 1, 31), "status": "no_show"},  # last day
        {"date_of_service": date(2026, 2, 1), "status": "cancelled"},  # day after end
        {"date_of_service": "2026-01-15", "status": "late_cancelled"},
        {"date_of_service": date(2026, 1, 20), "status": "scheduled"},
    ]
    assert visit_counts(history, start, end) == {"kept": 1, "no_show": 1, "cancelled": 1, "scheduled": 1}


ATTENDANCE = "Visit history summary for the current window (the payer asks for attendance)"


def test_attendance_goes_in_only_when_the_payer_asks(draft_of, make_row):
    plain = draft_of()
    assert "Attendance in the current window" not in plain.body
    assert not any(c.item == ATTENDANCE for c in plain.checklist)
    asked = draft_of(make_row(attendance_required=True))
    assert "Attendance in the current window: 5 kept, 2 no-show, 2 cancelled, 3 still scheduled." in asked.body
    assert _check(asked, ATTENDANCE).present
    empty = draft_of(make_row(attendance_required=True), history=[])
    assert not _check(empty, ATTENDANCE).present and "0 kept, 0 no-show, 0 cancelled" in empty.body


def test_payer_items_and_the_two_dates_are_on_the_checklist(draft_of, make_row):
    items = [
        {"flag_id": "x", "item": "Standardized norm-referenced test scores", "detail": "from the re-evaluation"},
        {"flag_id": "x", "item": "EPSDT medical necessity statement", "detail": "corrects or ameliorates"},
    ]
    draft = draft_of(
        make_row(
            prepare_from_date=date(2026, 1, 30), submit_from_date=date(2026, 2, 14), submit_by_date=date(2026, 3, 15)
        ),
        items=items,
    )
    assert not _check(draft, "Standardized norm-referenced test scores").present
    assert "EPSDT medical necessity statement" in draft.body  # listed under "still to be attached"
    timing = _check(draft, "Preparation and submission dates").detail
    assert "01/30/2026" in timing and "02/14/2026" in timing and "03/15/2026" in timing


def test_requested_period_is_the_window_the_flag_computed(make_row):
    # From the projected exhaustion (not the day after the end date), capped at the plan of care's end.
    assert requested_period(make_row()) == (date(2026, 3, 16), date(2026, 5, 31))


def test_evidence_has_metrics_and_counts_but_no_phi(draft_of):
    draft = draft_of()
    metrics, counts = draft.evidence
    assert metrics["remaining_quantity"] == 4 and metrics["dollars_at_risk"] == "312.50"
    assert metrics["is_projected_to_exhaust_before_end"] is True
    assert counts == {
        "source": "marts.fct_authorization_visit_history",
        "authorization_id": "AUTH-0042",
        "kept": 5,
        "no_show": 2,
        "cancelled": 2,
        "scheduled": 3,
    }
    text = json.dumps(draft.evidence)
    for phi in ("Quillon", "Zephyrine", "07/14/2019", "2019-07-14", "MBR99887766", "F82"):
        assert phi not in text


def test_titles_carry_no_phi_and_phi_terms_are_known(draft_of):
    draft = draft_of()
    for phi in ("Quillon", "Zephyrine", "07/14/2019", "MBR99887766", "PT-1007"):
        assert phi not in draft.title
    assert set(draft.phi_terms) == {"Quillon", "Zephyrine", "07/14/2019", "MBR99887766"}


def test_a_title_with_phi_is_rejected_by_the_model(draft_of):
    draft = draft_of()
    with pytest.raises(ValueError, match="no PHI"):
        type(draft)(**{**draft.model_dump(), "title": "Re-auth for Zephyrine"})


def test_drafting_is_deterministic_and_order_independent(make_row, make_history):
    rows = [
        make_row(),
        make_row(flag_id="0000aaaa", authorization_id="AUTH-7", location_id="L02", authorization_number="PA1"),
    ]
    history = {"AUTH-0042": make_history(), "AUTH-7": make_history("AUTH-7")}
    first = draft_actions(rows, history, LOCATIONS)
    second = draft_actions(list(reversed(rows)), history, LOCATIONS)
    assert [d.model_dump() for d in first] == [d.model_dump() for d in second]
    assert [d.flag_id for d in first] == ["0000aaaa", "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5"]
    assert first[0].title.endswith("(Lakeside Clinic)")


def test_string_dates_and_float_money_from_a_warehouse_are_accepted(draft_of, make_row):
    row = make_row(
        as_of_date="2026-03-02",
        start_date="2025-12-01",
        end_date="2026-03-31",
        due_date="2026-03-02",
        dollars_at_risk=312.5,
        patient_date_of_birth="2019-07-14",
    )
    assert draft_of(row).model_dump() == draft_of().model_dump()
