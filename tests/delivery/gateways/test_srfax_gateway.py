"""The SRFax gateway against a local fake of its API: the documented Queue_Fax request, retries, and never
two faxes for one approval, whatever times out."""

from __future__ import annotations

import base64

import pytest

from core.settings import SrfaxSettings
from delivery.gateways.sending import MAX_BACKOFF_SECONDS, HttpRetryPolicy
from delivery.gateways.srfax import SrfaxGateway

from .fakes import FakeSrfax

FAX_ON_FILE = "(312) 555-0147"
BODY = "Re-authorization request\nPatient: Quillon Zephyrine\nMember ID: MBR99887766\n"
PAYLOAD = {
    "idempotency_key": "k" * 64,
    "action_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "action_type": "reauth_packet",
    "location_id": "L01",
    "channel": "fax",
    "body": BODY,
}
KEY = "3f1a9c0e5b7d2468ace13579bdf02468ace13579bdf02468ace13579bdf02468"


@pytest.fixture
def api():
    return FakeSrfax()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def lookups():
    return []  # payloads the resolver was asked about


def make_gateway(api, gateway_state, sleeps, lookups, number=FAX_ON_FILE, max_attempts=4):
    settings = SrfaxSettings(
        url="https://secure.srfax.example/SRF_SecWebSvc.php",
        access_id="123456",
        access_pwd="fax-secret",
        caller_id="3125550100",
        sender_email="billing@otgroup.test",
    )

    def resolver(payload):
        lookups.append(payload["action_id"])
        return number

    return SrfaxGateway(
        settings,
        resolver=resolver,
        state=gateway_state,
        transport=api.transport,
        sleep=sleeps.append,
        policy=HttpRetryPolicy(max_attempts=max_attempts, backoff_base_seconds=2),
    )


@pytest.fixture
def gateway(api, gateway_state, sleeps, lookups):
    return make_gateway(api, gateway_state, sleeps, lookups)


def test_queue_fax_is_the_documented_request_with_the_approved_body(api, gateway, gateway_state, lookups):
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert (outcome.delivered, outcome.tries, outcome.http_status, outcome.error) == (True, 1, 200, None)
    [fax] = api.queued
    assert {k: v for k, v in fax.items() if k not in ("sFileContent_1", "id")} == {
        "action": "Queue_Fax",
        "access_id": "123456",
        "access_pwd": "fax-secret",
        "sResponseFormat": "JSON",
        "sCallerID": "3125550100",
        "sSenderEmail": "billing@otgroup.test",
        "sFaxType": "SINGLE",
        "sToFaxNumber": "13125550147",
        "sAccountCode": KEY[:20],
        "sFileName_1": "reauth_packet_a1b2c3d4e5f60718293a4b5c6d7e8f90.txt",
    }
    assert base64.b64decode(fax["sFileContent_1"]).decode() == BODY
    assert lookups == [PAYLOAD["action_id"]]  # the number is looked up at send time
    assert gateway_state.send_record(KEY).provider_id == fax["id"]


def test_the_same_approval_is_never_faxed_twice(api, gateway):
    assert gateway.send("label", PAYLOAD, KEY).delivered
    again = gateway.send("label", PAYLOAD, KEY)
    assert again.delivered and again.tries == 0
    assert len(api.queued) == 1 and len(api.send_requests) == 1


def test_a_new_approval_of_the_same_action_is_a_new_fax(api, gateway):
    gateway.send("label", PAYLOAD, KEY)
    gateway.send("label", PAYLOAD, "9" * 64)
    assert len(api.queued) == 2


def test_a_timeout_after_srfax_queued_it_is_found_in_the_outbox_not_queued_again(api, gateway, sleeps):
    api.script = ["timeout_after"]
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.delivered and outcome.tries == 1
    assert len(api.queued) == 1 and len(api.send_requests) == 1
    assert api.lookups == 1 and sleeps == [2]


def test_a_500_where_nothing_was_queued_is_checked_then_queued_again(api, gateway):
    api.script = [500]
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.delivered and outcome.tries == 2
    assert len(api.queued) == 1 and api.lookups == 1


def test_a_500_after_srfax_queued_it_is_not_queued_again(api, gateway):
    api.script = [("taken", 502)]
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert len(api.queued) == 1 and len(api.send_requests) == 1


def test_a_connect_timeout_is_retried_without_a_lookup(api, gateway, sleeps):
    api.script = ["connect_timeout", "connect_timeout"]
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.delivered and outcome.tries == 3
    assert api.lookups == 0 and len(api.queued) == 1 and sleeps == [2, 4]


def test_429_backs_off_exponentially_and_the_wait_is_capped(api, gateway_state, sleeps, lookups):
    api.script = [429] * 7
    gateway = make_gateway(api, gateway_state, sleeps, lookups, max_attempts=8)
    gateway.policy = HttpRetryPolicy(max_attempts=8, backoff_base_seconds=10)
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.delivered and outcome.tries == 8
    assert sleeps == [10, 20, 40, 60, 60, 60, 60] and max(sleeps) == MAX_BACKOFF_SECONDS
    assert api.lookups == 0  # a 429 means nothing was taken


def test_timeouts_on_every_try_fail_and_a_later_retry_checks_before_sending(api, gateway_state, sleeps, lookups):
    api.script = ["timeout_after", "timeout_after", "timeout_after"]  # SRFax took the first one, answered none
    gateway = make_gateway(api, gateway_state, sleeps, lookups, max_attempts=1)
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert not outcome.delivered and outcome.error == "timeout (ReadTimeout) after 1 tries"
    assert gateway_state.send_record(KEY).state == "sending"
    retry = make_gateway(api, gateway_state, sleeps, lookups).send("label", PAYLOAD, KEY)  # a person retries
    assert retry.delivered
    assert len(api.queued) == 1 and len(api.send_requests) == 1


def test_when_the_outbox_cannot_be_checked_nothing_is_resent(api, gateway):
    api.script = ["timeout_after"]
    api.lookup_script = [503]
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert not outcome.delivered
    assert "could not check whether the fax went out" in outcome.error and "not resent" in outcome.error
    assert len(api.send_requests) == 1


def test_srfax_refusing_the_fax_is_not_retried_and_the_number_is_not_repeated(api, gateway, sleeps):
    api.refuse_with = "Invalid fax number 13125550147"
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert not outcome.delivered and outcome.tries == 1 and sleeps == []
    assert outcome.error == "SRFax refused the fax: Invalid fax number ########### (not retried)"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (None, "no fax number on file for this recipient"),
        ("   ", "no fax number on file for this recipient"),
        ("312-555-014", "the fax number on file is not a 10-digit North American number"),
        ("(112) 555-0147", "the fax number on file is not a 10-digit North American number"),
        ("+44 20 7946 0958", "the fax number on file is not a 10-digit North American number"),
    ],
)
def test_a_missing_or_malformed_number_is_refused_without_a_request(
    api, gateway_state, sleeps, lookups, number, reason
):
    outcome = make_gateway(api, gateway_state, sleeps, lookups, number=number).send("label", PAYLOAD, KEY)
    assert not outcome.delivered and outcome.tries == 0
    assert outcome.error == f"{reason} (not sent)"
    assert api.send_requests == [] and gateway_state.send_record(KEY) is None


def test_a_resolver_that_fails_refuses_that_action_only(api, gateway_state, sleeps):
    def broken(_payload):
        raise KeyError("3125550147")

    gateway = SrfaxGateway(
        make_gateway(api, gateway_state, sleeps, []).settings,
        resolver=broken,
        state=gateway_state,
        transport=api.transport,
        policy=HttpRetryPolicy(),
    )
    outcome = gateway.send("label", PAYLOAD, KEY)
    assert outcome.error == "the fax number lookup failed (KeyError) (not sent)"


def test_no_number_or_body_in_any_log_line(api, gateway, caplog):
    caplog.set_level("DEBUG")
    api.script = ["timeout_after"]
    assert gateway.send("label", PAYLOAD, KEY).delivered
    assert caplog.records
    for value in ("3125550147", "555-0147", "Quillon", "MBR99887766", "fax-secret"):
        assert value not in caplog.text
