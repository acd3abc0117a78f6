"""Review tasks for unauthorized kept visits: pure function from flag rows to DraftActions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from emitters import unauthorized_visit_review
from emitters.registry import action_type, approver_roles

AS_OF = date(2026, 3, 2)
LOCATIONS = {"L1": "North Clinic"}


def _row(**overrides):
    row = {
        "flag_id": "f-unauth",
        "rule_name": "unauthorized_visit",
        "rule_version": "1",
        "as_of_date": AS_OF,
        "visit_id": "V1",
        "appointment_id": "A1",
        "patient_id": "PAT1",
        "payer_id": "MCO",
        "payer_name": "Bluebonnet Health",
        "location_id": "L1",
        "date_of_service": date(2026, 2, 20),
        "unauthorized_reason": "authorization_ended",
        "unauthorized_reason_text": "the last authorization ended 2026-02-15, before the visit",
        "last_ended_date": date(2026, 2, 15),
        "next_start_date": None,
        "claim_id": "C1",
        "is_claim_submitted": False,
        "dollars_at_risk": Decimal("100.00"),
        "due_date": AS_OF,
    }
    row.update(overrides)
    return row


def _draft(**overrides):
    (only,) = unauthorized_visit_review.draft_reviews([_row(**overrides)], LOCATIONS)
    return only


def test_unsent_claim_is_held_and_the_authorization_that_ended_is_asked_to_extend():
    task = _draft()
    assert task.action_type == "unauthorized_visit_review" and task.assigned_role == "front_desk"
    assert task.title == "Unauthorized visit V1: retro-authorization or write-off (North Clinic)"
    assert "Hold claim C1" in task.body
    assert "extend the authorization that ended 02/15/2026" in task.body and "covers 02/20/2026" in task.body
    assert "the last authorization ended 02/15/2026, before the visit" in task.body
    assert "do not bill the family" in task.body
    assert "$100.00" in task.body
    assert task.dollars_at_stake == Decimal("100.00") and task.due_date == AS_OF
    assert task.evidence[0]["is_claim_submitted"] is False and task.evidence[0]["date_of_service"] == "2026-02-20"


def test_a_claim_already_sent_cannot_be_held_and_billing_expects_the_denial():
    task = _draft(is_claim_submitted=True)
    assert "claim C1 has already gone out" in task.body
    assert "cannot be held" in task.body and "Hold claim" not in task.body


def test_a_visit_with_no_claim_yet_tells_billing_not_to_create_one():
    task = _draft(claim_id=None)
    assert "no claim has been created" in task.body and "not to create or send a claim" in task.body


@pytest.mark.parametrize(
    ("reason", "extra", "words"),
    [
        ("authorization_not_started", {"next_start_date": date(2026, 3, 1)}, "starts 03/01/2026 back to 02/20/2026"),
        ("wrong_service", {}, "add this service to the authorization in force"),
        ("no_authorization", {}, "retro-authorization covering 02/20/2026"),
    ],
)
def test_each_reason_asks_the_payer_for_what_fixes_it(reason, extra, words):
    task = _draft(unauthorized_reason=reason, **extra)
    assert words in task.body


def test_an_unknown_reason_is_a_row_the_emitter_sets_aside():
    with pytest.raises(ValueError, match="unknown unauthorized_reason"):
        _draft(unauthorized_reason="something_else")


def test_unpriced_visit_drafts_with_zero_dollars_and_falls_back_to_the_payer_id():
    task = _draft(dollars_at_risk=None, payer_name=None)
    assert task.dollars_at_stake == Decimal("0.00") and "MCO requires an authorization" in task.body


def test_registered_in_the_authorization_area_for_the_front_desk_and_billing():
    declared = action_type("unauthorized_visit_review")
    assert declared.flag_model == "flag_unauthorized_visits" and declared.leak_area == "authorizations"
    assert approver_roles("unauthorized_visit_review") == frozenset({"front_desk", "billing", "admin"})
