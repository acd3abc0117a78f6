"""No-show / late-cancel fee drafts only where allowed: never for Medicaid, off unless the policy turns it on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.approval_date import APPROVAL_DATE
from emitters.family_messages import assert_minimum_necessary, forbidden_terms
from emitters.missed_visit_fee import ACTION_TYPE, draft_missed_visit_fees, fee_amount


def _row(appointment: str, miss_type: str = "no_show", is_medicaid: bool = False, **extra) -> dict:
    return {
        "flag_id": f"F-{appointment}",
        "rule_name": "missed_visit_fee",
        "rule_version": "1",
        "as_of_date": date(2026, 3, 2),
        "appointment_id": appointment,
        "patient_id": "P-1",
        "provider_id": "PR-1",
        "location_id": "L01",
        "location_name": "Sunny Steps - Austin",
        "payer_id": "COMM1",
        "is_medicaid": is_medicaid,
        "miss_type": miss_type,
        "visit_date": date(2026, 2, 26),
        "local_hour": 15,
        "cancel_lead_hours": None,
        "due_date": date(2026, 3, 9),
        **extra,
    }


ROWS = [
    _row("V1"),
    _row("V2", "late_cancel", cancel_lead_hours=3.5),
    _row("V3", is_medicaid=True),
    _row("V4", "late_cancel", is_medicaid=True),
]


def test_policy_off_drafts_nothing():
    assert draft_missed_visit_fees(ROWS, "off", "25.00") == []
    assert draft_missed_visit_fees(ROWS, "OFF", "not even an amount") == []


def test_never_for_medicaid_patients_whatever_the_policy():
    for policy in ("no_show", "no_show_and_late_cancel"):
        drafts = draft_missed_visit_fees(ROWS, policy, "25.00")
        assert "F-V3" not in {d.flag_id for d in drafts} and "F-V4" not in {d.flag_id for d in drafts}
    # A row whose coverage is unknown is treated like Medicaid: no fee.
    assert draft_missed_visit_fees([_row("V5", is_medicaid=None)], "no_show_and_late_cancel", "25.00") == []


def test_policy_chooses_the_miss_types():
    assert [d.flag_id for d in draft_missed_visit_fees(ROWS, "no_show", "25.00")] == ["F-V1"]
    both = draft_missed_visit_fees(ROWS, "no_show_and_late_cancel", "30")
    assert [d.flag_id for d in both] == ["F-V1", "F-V2"]
    assert {d.action_type for d in both} == {ACTION_TYPE} and {d.assigned_role for d in both} == {"billing"}
    assert {d.dollars_at_stake for d in both} == {Decimal("30.00")}
    assert "cancelled less than 24 hours ahead" in both[1].body and "$30.00" in both[1].body
    assert both[0].evidence[0]["is_medicaid"] is False and both[0].evidence[0]["fee_amount"] == "30.00"


def test_one_fee_per_appointment():
    drafts = draft_missed_visit_fees([_row("V1"), _row("V1")], "no_show", "25.00")
    assert len(drafts) == 1


def test_bad_policy_or_amount_is_refused():
    with pytest.raises(ValueError, match="unknown no-show fee policy 'always'"):
        draft_missed_visit_fees(ROWS, "always", "25.00")
    with pytest.raises(ValueError, match="RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT must be above zero"):
        fee_amount("0")
    with pytest.raises(ValueError, match="RCM_SCHEDULING_NO_SHOW_FEE_AMOUNT is not an amount"):
        draft_missed_visit_fees(ROWS, "no_show", "twenty")


def test_fee_notice_carries_no_name_diagnosis_or_member_id():
    row = _row("V1", member_id="MEMB778899", patient_first_name="Zzcanary", diagnosis_codes="F82")
    (draft,) = draft_missed_visit_fees([row], "no_show", "25.00")
    assert assert_minimum_necessary(draft.body, forbidden_terms(row)) == draft.body
    assert "MEMB778899" not in draft.body and "Zzcanary" not in draft.body and "F82" not in draft.body


def test_the_notice_is_dated_on_approval_and_the_same_the_next_night():
    (draft,) = draft_missed_visit_fees([_row("V1")], "no_show", "25.00")
    assert draft.body.splitlines()[1] == APPROVAL_DATE and draft.title.endswith("on 02/26/2026 (Sunny Steps - Austin)")
    assert draft_missed_visit_fees([_row("V1", as_of_date=date(2026, 3, 3))], "no_show", "25.00") == [draft]
