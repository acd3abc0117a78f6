"""Guardian mobiles arrive in any spelling; texts go to E.164. The text resolver normalises with phonenumbers, and a
number it cannot normalise refuses that action (nothing sent) with a reason that never repeats the number."""

from __future__ import annotations

from datetime import date

import pytest

from core.settings import TwilioSettings
from delivery.gateways.numbers import RecipientRefused
from delivery.gateways.sending import HttpRetryPolicy
from delivery.gateways.twilio_text import TwilioTextGateway
from delivery.recipients import SnapshotAddressBook, SnapshotRecipients, e164_mobile
from emitters.context import RECIPIENTS_PACKET, DraftContext

from .fakes import FakeTwilio
from .test_recipients_from_snapshot import snapshot
from .test_twilio_text_gateway import ACCOUNT, KEY, PAYLOAD, TOKEN


@pytest.mark.parametrize(
    ("delivered", "e164"),
    [
        ("(512) 555-0100", "+15125550100"),
        ("512.555.0100", "+15125550100"),
        ("512-555-0100", "+15125550100"),
        ("1 (512) 555-0100", "+15125550100"),
        ("+1 512 555 0100", "+15125550100"),
        ("+15125550100", "+15125550100"),
        (" (512) 555-0100 ", "+15125550100"),
        ("+44 7911 123456", "+447911123456"),  # a UK mobile keeps its own country code
    ],
)
def test_delivered_spellings_become_e164(delivered, e164):
    assert e164_mobile(delivered) == e164


@pytest.mark.parametrize(
    ("delivered", "reason"),
    [
        ("555-0100", "not a valid phone number"),  # no area code
        ("(012) 555-0100", "not a valid phone number"),  # area codes never start with 0
        ("512 555 01000", "not a valid phone number"),  # a digit too many
        ("call mom", "cannot be read as a phone number"),
        ("+44 20 7946 0958", "landline"),  # a London landline: no text reaches it
    ],
)
def test_a_number_that_cannot_be_normalised_is_refused_without_repeating_it(delivered, reason):
    with pytest.raises(RecipientRefused, match=reason) as refused:
        e164_mobile(delivered)
    assert not any(ch.isdigit() for ch in str(refused.value)) and "mom" not in str(refused.value)


def _recipients(tmp_path, address: str) -> SnapshotRecipients:
    book = SnapshotAddressBook(snapshot(tmp_path / "snap.duckdb", [("guardian_mobile", "P1", address)]))
    ctx = DraftContext(
        as_of=date(2026, 3, 2),
        packets={RECIPIENTS_PACKET: [{"recipient_kind": "guardian_mobile", "recipient_id": "P1", "address": address}]},
    )
    ref = ctx.recipient_ref("guardian_mobile", "P1").model_dump_json()
    return SnapshotRecipients(book, {PAYLOAD["action_id"]: {"recipient_ref_json": ref}}.get)


def _gateway(api: FakeTwilio, recipients: SnapshotRecipients, gateway_state) -> TwilioTextGateway:
    return TwilioTextGateway(
        TwilioSettings(
            api_base="https://api.twilio.example", account_sid=ACCOUNT, auth_token=TOKEN, from_number="+13125550100"
        ),
        resolver=recipients.mobile_number,
        state=gateway_state,
        transport=api.transport,
        sleep=lambda _seconds: None,
        policy=HttpRetryPolicy(max_attempts=1, backoff_base_seconds=0),
    )


def test_a_number_delivered_with_punctuation_is_texted_as_e164(tmp_path, gateway_state):
    api = FakeTwilio(ACCOUNT, TOKEN)
    outcome = _gateway(api, _recipients(tmp_path, "(512) 555-0100"), gateway_state).send("label", PAYLOAD, KEY)
    assert outcome.delivered
    assert [m["to"] for m in api.messages] == ["+15125550100"]


def test_a_number_that_cannot_be_normalised_sends_nothing(tmp_path, gateway_state):
    api = FakeTwilio(ACCOUNT, TOKEN)
    outcome = _gateway(api, _recipients(tmp_path, "(012) 555-0100"), gateway_state).send("label", PAYLOAD, KEY)
    assert not outcome.delivered and api.messages == [] and api.send_requests == []
    assert "not a valid phone number" in outcome.error and "0100" not in outcome.error
