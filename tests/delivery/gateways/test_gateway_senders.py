"""The gateways behind the dispatcher, unchanged: a fax goes out through SRFax, a claim into the
clearinghouse mailbox, a text through Twilio, and what has no gateway stays a file, all from one
dispatch run over a real ledger."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from core.settings import SrfaxSettings, TwilioSettings
from delivery.channels import ChannelRouter
from delivery.dispatcher import dispatch_approved
from delivery.gateways.senders import GatewaySenders
from delivery.gateways.sending import HttpRetryPolicy
from delivery.gateways.sftp_mailbox import ClearinghouseMailbox
from delivery.gateways.srfax import SrfaxGateway
from delivery.gateways.twilio_text import TwilioTextGateway
from emitters.models import DraftAction
from ledger import Ledger, User
from tests.ledger.helpers import shown_body_sha256

from .fakes import FakeSrfax, FakeTwilio

ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))
ACCOUNT = "AC" + "f" * 32
CLAIM = "ISA*00*          *00*          *ZZ*OTGROUP*ZZ*CLEARHOUSE*260302*1200*^*00501*000000101*0*P*:~CLM*1~\n"
TEXT = "Northside Clinic: a visit opened up Tue 3/3 4 PM. Reply YES to take it."
CONTACTS = {"reauth_packet": "312-555-0147", "slot_offer": "+13125550148"}  # by action type, for the test


def draft(action_type: str, flag_id: str, body: str, role: str) -> DraftAction:
    return DraftAction(
        flag_id=flag_id,
        action_type=action_type,
        location_id="L01",
        title=f"{action_type} (L01)",
        recipient="on file",
        body=body,
        assigned_role=role,
    )


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(
        f"sqlite:///{tmp_path / 'ledger.sqlite'}",
        password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    billing = ledger.upsert_user("billing", "pw-for-tests-only", "billing", ["*"], "Billing Lead")
    front = ledger.upsert_user("fd", "pw-for-tests-only", "front_desk", ["L01"], "Front Desk")
    for action_type, body, role, user in (
        ("reauth_packet", "Re-authorization request\n", "front_desk", front),
        ("corrected_claim", CLAIM, "billing", billing),
        ("slot_offer", TEXT, "front_desk", front),
        ("booking_alert", "Check the booking of Tue 3/3.", "front_desk", front),
    ):
        ledger.sync_drafts(action_type, [draft(action_type, f"flag-{action_type}", body, role)], "run-1")
        action = next(a for a in ledger.list_actions(ADMIN_VIEW) if a["action_type"] == action_type)
        ledger.approve(user, action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"]))
    return ledger


def test_one_dispatch_run_sends_each_channel_through_its_gateway(
    ledger, tmp_path, gateway_state, mailbox_settings, sftp_server
):
    srfax, twilio = FakeSrfax(), FakeTwilio(ACCOUNT, "tok")
    resolver = lambda payload: CONTACTS[payload["action_type"]]  # noqa: E731 (production reads the contact columns)
    policy = HttpRetryPolicy(max_attempts=2, backoff_base_seconds=0)
    gateways = GatewaySenders(
        {
            "fax": SrfaxGateway(
                SrfaxSettings(
                    access_id="1", access_pwd="fax-secret", caller_id="3125550100", sender_email="billing@otgroup.test"
                ),
                resolver=resolver,
                state=gateway_state,
                policy=policy,
                transport=srfax.transport,
            ),
            "text": TwilioTextGateway(
                TwilioSettings(account_sid=ACCOUNT, auth_token="tok", from_number="+13125550100"),
                resolver=resolver,
                state=gateway_state,
                policy=policy,
                transport=twilio.transport,
            ),
            "clearinghouse": ClearinghouseMailbox(mailbox_settings, gateway_state),
        }
    )
    router = ChannelRouter(endpoints=gateways.endpoints)  # the defaults map each type to its channel

    result = dispatch_approved(ledger, tmp_path / "outbox", router=router, sender=gateways)

    assert len(result.sent) == 4 and result.failed == [] and result.refused == []
    assert len(srfax.queued) == 1 and srfax.document(srfax.queued[0]) == "Re-authorization request\n"
    assert [m["body"] for m in twilio.messages] == [TEXT]
    [claim_file] = os.listdir(sftp_server.root / "inbound")
    assert claim_file.startswith("corrected_claim_") and claim_file.endswith(".x12")
    assert (sftp_server.root / "inbound" / claim_file).read_text() == CLAIM
    assert [p.parent.parent.name for p in (tmp_path / "outbox").rglob("*.txt")] == ["booking_alert"]

    again = dispatch_approved(ledger, tmp_path / "outbox", router=router, sender=gateways)
    assert again.sent == [] and len(srfax.queued) == 1 and len(twilio.messages) == 1


def test_a_channel_without_a_gateway_uses_the_fallback_sender():
    calls = []

    class Webhook:
        def send(self, url, payload, key):
            calls.append((url, payload["channel"], key))
            return "webhook outcome"

    senders = GatewaySenders({}, fallback=Webhook())
    assert senders.send("https://hooks.example/email", {"channel": "email"}, "k1") == "webhook outcome"
    assert calls == [("https://hooks.example/email", "email", "k1")]
    refused = GatewaySenders({}).send("x", {"channel": "email"}, "k2")
    assert not refused.delivered and refused.error == "no sender for channel email (not sent)"


def test_from_settings_builds_only_the_configured_gateways(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("RCM_SRFAX_", "RCM_TWILIO_", "RCM_CLEARINGHOUSE_SFTP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RCM_GATEWAY_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    resolver = lambda _payload: None  # noqa: E731
    assert GatewaySenders.from_settings(fax_resolver=resolver, text_resolver=resolver).endpoints == {}

    secret = tmp_path / "srfax_password"
    secret.write_text("from-a-mounted-file\n")
    monkeypatch.setenv("RCM_SRFAX_ACCESS_ID", "123456")
    monkeypatch.setenv("RCM_SRFAX_ACCESS_PWD_FILE", str(secret))
    monkeypatch.setenv("RCM_SRFAX_CALLER_ID", "3125550100")
    monkeypatch.setenv("RCM_SRFAX_SENDER_EMAIL", "billing@otgroup.test")
    senders = GatewaySenders.from_settings(fax_resolver=resolver, text_resolver=resolver)
    assert senders.endpoints == {"fax": "https://secure.srfax.com/SRF_SecWebSvc.php"}
    assert senders.gateways["fax"].settings.access_pwd.get_secret_value() == "from-a-mounted-file"
    assert "from-a-mounted-file" not in repr(senders.gateways["fax"].settings)
    senders.close()


def test_gateway_state_times_are_utc(gateway_state):
    record = gateway_state.begin_send("k", "srfax")
    assert record.first_attempt_at.tzinfo is not None
    assert abs((datetime.now(UTC) - record.first_attempt_at).total_seconds()) < 60
