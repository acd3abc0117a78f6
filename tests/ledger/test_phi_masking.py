"""Patient values a person types into a rejection reason or an edit never reach the audit trail or the logs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from emitters.models import DraftAction
from ledger import User, sha256_text

# Made-up canary values: a child's name, date of birth, member id and a parent's phone number.
CANARIES = ("Wrenna Osterfeld", "2020-02-29", "QX-55501234", "(512) 555-0187")
ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))


@pytest.fixture
def action_id(ledger, users):
    body = (
        "Re: Wrenna Osterfeld, born 2020-02-29, member QX-55501234.\n"
        "Please call the family at (512) 555-0187 about the renewal.\n"
    )
    draft = DraftAction(
        flag_id="canary-flag",
        action_type="reauth_packet",
        location_id="L01",
        payer_id="P-SUN",
        patient_id="PT-9001",
        title="Re-auth: canary",
        recipient="Payer UM",
        body=body,
        dollars_at_stake=Decimal("10.00"),
        due_date=date(2026, 3, 9),
        assigned_role="front_desk",
        phi_terms=list(CANARIES),
    )
    ledger.sync_drafts("reauth_packet", [draft], "run-1")
    return ledger.list_actions(ADMIN_VIEW)[0]["action_id"]


def _trail_text(ledger) -> str:
    return " ".join(event["detail_json"] for event in ledger.audit_events(ADMIN_VIEW, limit=1000))


def test_rejection_reason_is_masked_in_the_audit_trail_and_logs(ledger, users, action_id, caplog):
    caplog.set_level("DEBUG")
    reason = "Wrenna Osterfeld (DOB 2020-02-29, member qx-55501234) already renewed; mother confirmed at (512) 555-0187"
    ledger.reject(users["fd_l01"], action_id, reason)
    [rejected] = ledger.audit_events(ADMIN_VIEW, event_types=["rejected"])
    assert rejected["detail"]["reason"] == (
        "[redacted] (DOB [redacted], member [redacted]) already renewed; mother confirmed at [redacted]"
    )
    for canary in CANARIES:
        assert canary.lower() not in _trail_text(ledger).lower()
        assert canary.lower() not in caplog.text.lower()


def test_edit_diffs_are_masked_in_the_audit_trail(ledger, users, action_id):
    action = ledger.list_actions(ADMIN_VIEW)[0]
    edited = action["body"] + "Wrenna Osterfeld's parent prefers (512) 555-0187 after 5pm.\n"
    ledger.edit_draft(users["fd_l01"], action_id, edited)
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=sha256_text(edited))
    for canary in CANARIES:
        assert canary.lower() not in _trail_text(ledger).lower()
