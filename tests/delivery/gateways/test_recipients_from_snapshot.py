"""Fax and text numbers come from the serving snapshot at send time, and the approval binds them: a payer's fax
is read from the snapshot, a missing number refuses without echoing anything, and a number changed after approval
is refused by the approval digest and goes back to a person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from core.settings import SrfaxSettings
from delivery.channels import ChannelRouter
from delivery.dispatcher import dispatch_approved
from delivery.gateways.numbers import RecipientRefused
from delivery.gateways.senders import GatewaySenders
from delivery.gateways.sending import HttpRetryPolicy
from delivery.gateways.srfax import SrfaxGateway
from delivery.recipients import SnapshotAddressBook, SnapshotRecipients
from emitters.context import RECIPIENTS_PACKET, DraftContext
from emitters.models import DraftAction
from ledger import Ledger, actions
from tests.ledger.helpers import shown_body_sha256

from .fakes import FakeSrfax

PAYER_FAX = "(512) 555-0147"
NEW_PAYER_FAX = "(512) 555-0199"


def snapshot(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A serving snapshot holding only the recipient numbers (the publish step copies the mart under its name)."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table packet_recipient_addresses (recipient_kind varchar, recipient_id varchar, address varchar)"
        )
        if rows:
            con.executemany("insert into packet_recipient_addresses values (?, ?, ?)", rows)
    return path


def reauth_draft(rows: list[tuple[str, str, str]], payer_id: str = "TXMCO1") -> DraftAction:
    ctx = DraftContext(
        as_of=date(2026, 3, 2),
        packets={
            RECIPIENTS_PACKET: [
                {"recipient_kind": kind, "recipient_id": rid, "address": address} for kind, rid, address in rows
            ]
        },
    )
    draft = DraftAction(
        flag_id="flag-reauth",
        action_type="reauth_packet",
        location_id="L01",
        payer_id=payer_id,
        title="Re-auth: payer auth 1 (L01)",
        recipient="Payer UM department",
        body="Re-authorization request\n",
        assigned_role="front_desk",
    )
    [with_ref] = ctx.with_recipients([draft], "payer_fax", lambda d: d.payer_id)
    return with_ref


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    ledger.upsert_user("fd", "pw-for-tests-only", "front_desk", ["L01"], "Front Desk")
    return ledger


def draft_and_approve(ledger: Ledger, draft: DraftAction, run_id: str = "run-1") -> str:
    ledger.sync_drafts("reauth_packet", [draft], run_id)
    with ledger.engine.connect() as conn:
        action_id = conn.execute(sa.select(actions.c.action_id)).scalar_one()
    ledger.approve(ledger.get_user("fd"), action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    return action_id


def send(ledger: Ledger, tmp_path: Path, gateway_state, snapshot_path: Path | None, srfax: FakeSrfax):
    book = SnapshotAddressBook(snapshot_path)
    recipients = SnapshotRecipients.for_ledger(book, ledger)
    fax = SrfaxGateway(
        SrfaxSettings(
            access_id="1", access_pwd="fax-secret", caller_id="3125550100", sender_email="billing@otgroup.test"
        ),
        resolver=recipients.fax_number,
        state=gateway_state,
        policy=HttpRetryPolicy(max_attempts=1, backoff_base_seconds=0),
        transport=srfax.transport,
    )
    with GatewaySenders({"fax": fax}) as sender:
        return dispatch_approved(
            ledger, tmp_path / "outbox", router=ChannelRouter(endpoints=sender.endpoints), sender=sender, addresses=book
        )


def status_of(ledger: Ledger, action_id: str) -> str:
    with ledger.engine.connect() as conn:
        return conn.execute(sa.select(actions.c.status).where(actions.c.action_id == action_id)).scalar_one()


def test_fax_goes_to_the_payers_number_in_the_snapshot(ledger, tmp_path, gateway_state):
    rows = [("payer_fax", "TXMCO1", PAYER_FAX), ("payer_fax", "OTHER", "(512) 555-0111")]
    action_id = draft_and_approve(ledger, reauth_draft(rows))
    srfax = FakeSrfax()

    result = send(ledger, tmp_path, gateway_state, snapshot(tmp_path / "snap.duckdb", rows), srfax)

    assert result.sent == [action_id] and result.refused == [] and result.failed == []
    [fax] = srfax.queued
    assert fax["sToFaxNumber"] == "15125550147"


def test_missing_number_refuses_with_a_reason_that_echoes_nothing(ledger, tmp_path, gateway_state):
    # No fax for this payer in the extracts, then or now: nothing to send to.
    action_id = draft_and_approve(ledger, reauth_draft([("payer_fax", "OTHER", "(512) 555-0111")]))
    srfax = FakeSrfax()

    result = send(
        ledger,
        tmp_path,
        gateway_state,
        snapshot(tmp_path / "snap.duckdb", [("payer_fax", "OTHER", "(512) 555-0111")]),
        srfax,
    )

    assert srfax.queued == [] and result.sent == []
    [(failed_id, error)] = result.failed
    assert failed_id == action_id
    assert error == "no fax number on file for this recipient (not sent)"
    assert "TXMCO1" not in error and "555" not in error


def test_action_without_a_recipient_reference_is_not_faxed(ledger, tmp_path, gateway_state):
    draft = reauth_draft([]).model_copy(update={"recipient_ref": None})
    draft_and_approve(ledger, draft)
    srfax = FakeSrfax()
    result = send(ledger, tmp_path, gateway_state, snapshot(tmp_path / "snap.duckdb", []), srfax)
    assert srfax.queued == []
    [(_, error)] = result.failed
    assert error == "this action names no recipient whose number the extracts carry (not sent)"


def test_number_changed_after_approval_is_refused_and_goes_back_to_a_person(ledger, tmp_path, gateway_state):
    action_id = draft_and_approve(ledger, reauth_draft([("payer_fax", "TXMCO1", PAYER_FAX)]))
    srfax = FakeSrfax()
    changed = snapshot(tmp_path / "changed.duckdb", [("payer_fax", "TXMCO1", NEW_PAYER_FAX)])

    result = send(ledger, tmp_path, gateway_state, changed, srfax)

    assert srfax.queued == [] and result.sent == []
    [(refused_id, reason)] = result.refused
    assert refused_id == action_id and "changed" in reason and "555" not in reason
    assert status_of(ledger, action_id) == "open"
    # The next pipeline run drafts against the new number; once a person approves that, it goes to the new number.
    ledger.sync_drafts("reauth_packet", [reauth_draft([("payer_fax", "TXMCO1", NEW_PAYER_FAX)])], "run-2")
    ledger.approve(ledger.get_user("fd"), action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    result = send(ledger, tmp_path, gateway_state, changed, srfax)
    assert result.sent == [action_id]
    assert [fax["sToFaxNumber"] for fax in srfax.queued] == ["15125550199"]


def test_recipient_reference_edited_in_the_ledger_after_approval_is_refused_by_the_digest(
    ledger, tmp_path, gateway_state
):
    action_id = draft_and_approve(ledger, reauth_draft([("payer_fax", "TXMCO1", PAYER_FAX)]))
    other = reauth_draft([("payer_fax", "OTHER", "(512) 555-0111")], payer_id="OTHER").recipient_ref
    with ledger.engine.begin() as conn:  # someone points the approved fax at another payer's number
        conn.execute(
            actions.update().where(actions.c.action_id == action_id).values(recipient_ref_json=other.model_dump_json())
        )
    srfax = FakeSrfax()
    result = send(
        ledger,
        tmp_path,
        gateway_state,
        snapshot(tmp_path / "snap.duckdb", [("payer_fax", "OTHER", "(512) 555-0111")]),
        srfax,
    )
    assert srfax.queued == []
    assert result.refused == [(action_id, "what would be sent differs from what was approved")]


def test_without_a_published_snapshot_the_fax_waits(ledger, tmp_path, gateway_state):
    action_id = draft_and_approve(ledger, reauth_draft([("payer_fax", "TXMCO1", PAYER_FAX)]))
    srfax = FakeSrfax()
    result = send(ledger, tmp_path, gateway_state, None, srfax)
    assert result.held == [action_id] and srfax.queued == [] and status_of(ledger, action_id) == "approved"


def test_a_ledger_created_before_recipient_references_gains_the_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    Ledger(url, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE actions DROP COLUMN recipient_ref_json")
    Ledger(url, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    assert "recipient_ref_json" in {c["name"] for c in sa.inspect(engine).get_columns("actions")}


def test_text_resolver_reads_the_guardians_mobile_and_refuses_a_fax_recipient(tmp_path):
    book = SnapshotAddressBook(
        snapshot(
            tmp_path / "snap.duckdb", [("guardian_mobile", "P1", "+13125550148"), ("payer_fax", "TXMCO1", PAYER_FAX)]
        )
    )
    ctx = DraftContext(
        as_of=date(2026, 3, 2),
        packets={
            RECIPIENTS_PACKET: [
                {"recipient_kind": "guardian_mobile", "recipient_id": "P1", "address": "+13125550148"},
                {"recipient_kind": "payer_fax", "recipient_id": "TXMCO1", "address": PAYER_FAX},
            ]
        },
    )
    rows = {
        "a-text": {"recipient_ref_json": ctx.recipient_ref("guardian_mobile", "P1").model_dump_json()},
        "a-fax": {"recipient_ref_json": ctx.recipient_ref("payer_fax", "TXMCO1").model_dump_json()},
    }
    recipients = SnapshotRecipients(book, rows.get)

    assert recipients.mobile_number({"action_id": "a-text", "channel": "text"}) == "+13125550148"
    with pytest.raises(RecipientRefused, match="^a payer_fax recipient cannot be reached over the text channel$"):
        recipients.mobile_number({"action_id": "a-fax", "channel": "text"})
