"""The Twilio text gateway against a local fake of the Messages API: the documented request, the body exactly
as approved, retries, and never two texts for one approval."""

from __future__ import annotations

import pytest

from core.settings import TwilioSettings
from delivery.gateways.sending import HttpRetryPolicy
from delivery.gateways.twilio_text import MAX_BODY_CHARS, TwilioTextGateway

from .fakes import FakeTwilio

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "twilio-token-for-tests"
MOBILE = "+13125550147"
BODY = "Northside Clinic: an OT visit opened up Tue 3/3 at 4:00 PM. Reply YES to take it or call (312) 555-0100."
PAYLOAD = {
    "idempotency_key": "k" * 64,
    "action_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "action_type": "slot_offer",
    "location_id": "L01",
    "channel": "text",
    "body": BODY,
}
KEY = "7c0a5e3b9d1f2468ace13579bdf02468ace13579bdf02468ace13579bdf02468"


@pytest.fixture
def api():
    return FakeTwilio(ACCOUNT, TOKEN)


@pytest.fixture
def sleeps():
    return []


def make_gateway(api, gateway_state, sleeps, number=MOBILE, max_attempts=4, **settings):
    settings = TwilioSettings(
        api_base="https://api.twilio.example",
        account_sid=ACCOUNT,
        auth_token=TOKEN,
        **(settings or {"from_number": "+13125550100"}),
    )
    return TwilioTextGateway(
        settings,
        resolver=lambda _payload: number,
        state=gateway_state,
        transport=api.transport,
        sleep=sleeps.append,
        policy=HttpRetryPolicy(max_attempts=max_attempts, backoff_base_seconds=1),
    )


@pytest.fixture
def gateway(api, gateway_state, sleeps):
    return make_gateway(api, gateway_state, sleeps)


def test_create_message_is_the_documented_request_and_adds_nothing_to_the_body(api, gateway, gateway_state):
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert (outcome.delivered, outcome.tries, outcome.http_status) == (True, 1, 201)
    assert api.send_requests == [{"To": MOBILE, "From": "+13125550100", "Body": BODY}]  # nothing else, body as is
    assert gateway_state.send_record(KEY).provider_id == api.messages[0]["sid"]


def test_a_messaging_service_sends_instead_of_one_number(api, gateway_state, sleeps):
    gateway = make_gateway(api, gateway_state, sleeps, messaging_service_sid="MG" + "a" * 32)
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert api.send_requests == [{"To": MOBILE, "MessagingServiceSid": "MG" + "a" * 32, "Body": BODY}]


def test_the_same_approval_is_never_texted_twice(api, gateway):
    gateway.send("label", PAYLOAD, KEY)
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert len(api.messages) == 1


def test_a_timeout_after_twilio_took_it_is_found_in_the_message_list(api, gateway, sleeps):
    api.script = ["timeout_after"]
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.delivered and len(api.messages) == 1 and len(api.send_requests) == 1
    assert api.lookups == 1 and sleeps == [1]
    assert api.lookup_params == [{"PageSize": "200", "From": "+13125550100"}]  # never the recipient in a URL


def test_the_same_text_to_another_family_is_not_mistaken_for_this_one(api, gateway, gateway_state):
    api.script = [("taken", 500)]
    other = make_gateway(api, gateway_state, [], number="+13125550199")
    other_key = "1" * 64
    assert other.send("label", PAYLOAD, other_key).delivered  # same body, another family, taken on a 500
    api.script = [500]
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert [m["to"] for m in api.messages] == ["+13125550199", MOBILE]
    assert gateway_state.send_record(KEY).provider_id == api.messages[1]["sid"]


def test_no_number_or_body_in_any_log_line(api, gateway, caplog):
    caplog.set_level("DEBUG")
    api.script = ["timeout_after", 503]
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert caplog.records  # the HTTP client did log its requests
    assert MOBILE not in caplog.text and "%2B13125550147" not in caplog.text and BODY[:30] not in caplog.text


def test_an_older_identical_text_to_the_same_family_is_not_mistaken_for_this_one(api, gateway, gateway_state):
    api.messages.append(
        {
            "sid": "SM-old",
            "to": MOBILE,
            "from": "+13125550100",
            "body": BODY,
            "date_created": "Mon, 02 Feb 2026 10:00:00 GMT",
        }
    )
    api.script = [503]
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert len(api.messages) == 2 and gateway_state.send_record(KEY).provider_id != "SM-old"


def test_5xx_then_success_is_one_text(api, gateway):
    api.script = [500, ("taken", 503)]
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.delivered and len(api.messages) == 1 and len(api.send_requests) == 2


def test_429_backs_off_without_a_lookup(api, gateway, sleeps):
    api.script = [429, 429]
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert sleeps == [1, 2] and api.lookups == 0 and len(api.messages) == 1


def test_a_400_is_not_retried_and_twilios_message_is_not_repeated(api, gateway, sleeps):
    api.error = (400, 21211, f"The 'To' number {MOBILE} is not a valid phone number.")
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert not outcome.delivered and sleeps == []
    assert outcome.error == "Twilio error 21211 (HTTP 400) (not retried)"


def test_every_try_timing_out_fails_and_the_retry_checks_first(api, gateway_state, sleeps):
    api.script = ["timeout_after", "timeout_after"]
    failed = make_gateway(api, gateway_state, sleeps, max_attempts=1).send("label", PAYLOAD, KEY)
    assert not failed.delivered and "timeout" in failed.error
    assert make_gateway(api, gateway_state, sleeps).send("label", PAYLOAD, KEY).delivered
    assert len(api.messages) == 1


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (None, "no mobile number on file for this recipient"),
        ("3125550147", "the mobile number on file is not in E.164 form (+ country code and digits)"),
        ("(312) 555-0147", "the mobile number on file is not in E.164 form (+ country code and digits)"),
        ("+0312555014", "the mobile number on file is not in E.164 form (+ country code and digits)"),
    ],
)
def test_a_number_that_is_not_e164_is_refused_without_a_request(api, gateway_state, sleeps, number, reason):
    outcome = make_gateway(api, gateway_state, sleeps, number=number).send("label", PAYLOAD, KEY)
    assert outcome.error == f"{reason} (not sent)" and api.send_requests == []


def test_a_text_longer_than_twilio_takes_is_refused(api, gateway):
    outcome = gateway.send("label", {**PAYLOAD, "body": "x" * (MAX_BODY_CHARS + 1)}, KEY)
    assert outcome.error == "the text is longer than Twilio's 1600 characters (not sent)" and api.send_requests == []


def test_settings_take_exactly_one_sender():
    with pytest.raises(ValueError, match="exactly one of RCM_TWILIO_FROM_NUMBER and RCM_TWILIO_MESSAGING_SERVICE_SID"):
        TwilioSettings(account_sid=ACCOUNT, auth_token=TOKEN)
    with pytest.raises(ValueError, match="from_number"):
        TwilioSettings(account_sid=ACCOUNT, auth_token=TOKEN, from_number="312-555-0100")
