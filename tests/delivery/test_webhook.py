"""Webhook delivery against a real local HTTP server that fails, times out and refuses on purpose.

The receiver dedupes by Idempotency-Key (as a real one must) and counts receipts: every test about
"delivered once" checks what the receiver took in, not what the dispatcher believes it did.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from delivery.channels import ChannelRouter
from delivery.dispatcher import dispatch_approved
from delivery.webhook import WebhookSender, idempotency_key
from emitters.reauth_packet import draft_actions
from ledger import InvalidTransition, PermissionDenied, User, delivery_attempts
from tests.ledger.helpers import shown_body_sha256

LOCATIONS = {"L01": "Northside Clinic", "L02": "Lakeside Clinic"}
ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))
READ_TIMEOUT = 0.3
PHI = ("Quillon", "Zephyrine", "MBR99887766", "07/14/2019")


class Receiver:
    """A webhook receiver in a thread. `script` answers successive requests: an HTTP status, or
    ("slow", seconds) = take the delivery, then answer 200 only after that long (the sender times out)."""

    def __init__(self):
        self.script: list = []
        self.requests: list[dict] = []  # every POST: key, payload, headers
        self.deliveries: dict[str, dict] = {}  # idempotency key -> payload, first taken only
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers.get("Idempotency-Key")
                with receiver.lock:
                    receiver.requests.append({"key": key, "payload": payload, "headers": dict(self.headers)})
                    answer = receiver.script.pop(0) if receiver.script else 200
                    if answer == 200 or isinstance(answer, tuple):
                        receiver.deliveries.setdefault(key, payload)  # a repeated key is a duplicate: not taken twice
                if isinstance(answer, tuple):
                    time.sleep(answer[1])
                    answer = 200
                try:
                    self.send_response(answer)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting

            def log_message(self, *args):  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/fax") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def sender(sleeps):
    with WebhookSender(
        connect_timeout_seconds=1,
        read_timeout_seconds=READ_TIMEOUT,
        max_attempts=3,
        backoff_base_seconds=0.5,
        sleep=sleeps.append,
    ) as webhook_sender:
        yield webhook_sender


@pytest.fixture
def router(receiver):
    """re-auth packets go to the fax channel (the default mapping), which points at the local receiver."""
    return ChannelRouter(endpoints={"fax": receiver.url("/fax")})


@pytest.fixture
def action_id(ledger, users, make_row):
    """One approved re-auth packet at L01."""
    ledger.sync_drafts("reauth_packet", draft_actions([make_row()], {}, LOCATIONS), "run-1")
    action_id = ledger.list_actions(ADMIN_VIEW)[0]["action_id"]
    ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    return action_id


def _dispatch(ledger, tmp_path, router, sender):
    return dispatch_approved(ledger, tmp_path / "outbox", router=router, sender=sender)


def _status(ledger, action_id):
    return next(a["status"] for a in ledger.list_actions(ADMIN_VIEW) if a["action_id"] == action_id)


def _event_types(ledger, users, action_id):
    return [e["event_type"] for e in ledger.action_events(users["admin"], action_id)]


def _attempts(ledger, action_id):
    with ledger.engine.connect() as conn:
        return [
            dict(r._mapping)
            for r in conn.execute(
                delivery_attempts.select()
                .where(delivery_attempts.c.action_id == action_id)
                .order_by(delivery_attempts.c.attempt_id)
            )
        ]


def _sql(tmp_path, statement, *params):
    db = sqlite3.connect(tmp_path / "ledger.sqlite")
    db.execute(statement, params)
    db.commit()
    db.close()


# ----- retries and the idempotency key ----------------------------------------------------------------


def test_500_then_200_is_retried_once_and_delivered_once(
    ledger, users, action_id, receiver, router, sender, sleeps, tmp_path
):
    receiver.script = [500, 200]
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.sent == [action_id] and result.failed == [] and result.refused == []
    approval = ledger.approval_event(action_id)
    key = idempotency_key(action_id, approval["event_hash"])
    assert [r["key"] for r in receiver.requests] == [key, key]
    assert list(receiver.deliveries) == [key]
    assert sleeps == [0.5]
    assert _status(ledger, action_id) == "sent"
    assert not (tmp_path / "outbox").exists()  # a webhook channel writes no outbox file
    dispatched = ledger.action_events(users["admin"], action_id)[-1]
    assert dispatched["event_type"] == "dispatched"
    assert dispatched["detail"]["channel"] == "fax" and dispatched["detail"]["tries"] == 2
    assert dispatched["detail"]["idempotency_key"] == key
    assert _dispatch(ledger, tmp_path, router, sender).sent == []  # a sent action is not sent again
    assert len(receiver.requests) == 2


def test_429_and_503_back_off_exponentially(ledger, action_id, receiver, router, sender, sleeps, tmp_path):
    receiver.script = [429, 503, 200]
    assert _dispatch(ledger, tmp_path, router, sender).sent == [action_id]
    assert sleeps == [0.5, 1.0] and len(receiver.requests) == 3 and len(receiver.deliveries) == 1


@pytest.mark.parametrize(
    ("script", "delivered"),
    [
        ([500, 500, 200], True),  # the last allowed try succeeds
        ([500, 500, 500], False),  # every allowed try fails: no fourth
    ],
)
def test_the_last_allowed_try(ledger, action_id, receiver, router, sender, tmp_path, script, delivered):
    receiver.script = list(script)
    result = _dispatch(ledger, tmp_path, router, sender)
    assert len(receiver.requests) == 3
    assert (result.sent == [action_id]) is delivered
    if not delivered:
        assert result.failed == [(action_id, "HTTP 500 Internal Server Error after 3 tries")]
        assert _status(ledger, action_id) == "approved"


def test_a_400_is_not_retried_and_is_recorded_as_failed(
    ledger, users, action_id, receiver, router, sender, sleeps, tmp_path
):
    receiver.script = [400]
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.sent == [] and result.failed == [(action_id, "HTTP 400 Bad Request (not retried)")]
    assert len(receiver.requests) == 1 and sleeps == [] and receiver.deliveries == {}
    assert _status(ledger, action_id) == "approved"
    [attempt] = _attempts(ledger, action_id)
    assert (attempt["status"], attempt["http_status"], attempt["tries"]) == ("failed", 400, 1)
    assert _event_types(ledger, users, action_id)[-2:] == ["send_attempt", "send_failed"]
    # A failed send waits for a person: the next run does not post it again.
    again = _dispatch(ledger, tmp_path, router, sender)
    assert again.awaiting_retry == [action_id] and again.sent == [] and len(receiver.requests) == 1


def test_a_read_timeout_is_retried_and_the_receiver_keeps_one_delivery(
    ledger, action_id, receiver, router, sender, tmp_path
):
    # The receiver takes the first POST but answers after the sender stopped waiting; the retry carries the
    # same key, so the receiver recognises it and the action is delivered once.
    receiver.script = [("slow", READ_TIMEOUT * 3), 200]
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.sent == [action_id]
    assert len(receiver.requests) == 2 and len({r["key"] for r in receiver.requests}) == 1
    assert len(receiver.deliveries) == 1


def test_a_read_timeout_on_every_try_fails_with_a_timeout_error(ledger, action_id, receiver, router, tmp_path):
    receiver.script = [("slow", READ_TIMEOUT * 2)] * 2
    with WebhookSender(read_timeout_seconds=READ_TIMEOUT, max_attempts=2, sleep=lambda _: None) as two_tries:
        result = _dispatch(ledger, tmp_path, router, two_tries)
    assert result.failed == [(action_id, "timeout (ReadTimeout) after 2 tries")]


def test_connection_refused_is_retried_then_failed(ledger, action_id, sender, sleeps, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    router = ChannelRouter(endpoints={"fax": f"http://127.0.0.1:{port}/fax"})
    result = _dispatch(ledger, tmp_path, router, sender)
    assert [a for a, _ in result.failed] == [action_id]
    assert result.failed[0][1].startswith("connection error (ConnectError") and result.failed[0][1].endswith(
        "after 3 tries"
    )
    assert sleeps == [0.5, 1.0]
    [attempt] = _attempts(ledger, action_id)
    assert attempt["http_status"] is None and attempt["tries"] == 3


def test_backoff_waits_are_capped_at_a_minute():
    waits = []
    always_busy = httpx.MockTransport(lambda request: httpx.Response(503))
    with WebhookSender(max_attempts=4, backoff_base_seconds=100, sleep=waits.append, transport=always_busy) as busy:
        outcome = busy.send("https://gateway.example/fax", {"body": "x"}, "key-1")
    assert not outcome.delivered and outcome.tries == 4
    assert waits == [60.0, 60.0, 60.0]


def test_an_unreadable_answer_is_retried_with_the_same_key_then_failed():
    keys = []

    def garbled(request):
        keys.append(request.headers["Idempotency-Key"])
        raise httpx.DecodingError("broken content encoding", request=request)

    with WebhookSender(max_attempts=2, sleep=lambda _: None, transport=httpx.MockTransport(garbled)) as sender:
        outcome = sender.send("https://gateway.example/fax", {"body": "x"}, "key-1")
    assert not outcome.delivered and outcome.error == "unreadable answer (DecodingError) after 2 tries"
    assert keys == ["key-1", "key-1"]


def test_a_send_that_raises_fails_that_action_only_and_the_run_goes_on(
    ledger, users, make_row, receiver, router, sender, tmp_path, monkeypatch
):
    ledger.sync_drafts(
        "reauth_packet",
        draft_actions(
            [make_row(flag_id="F-1", authorization_id="A-1"), make_row(flag_id="F-2", authorization_id="A-2")],
            {},
            LOCATIONS,
        ),
        "run-1",
    )
    first, second = sorted(a["action_id"] for a in ledger.list_actions(ADMIN_VIEW))
    for action_id in (first, second):
        ledger.approve(users["fd_l01"], action_id, expected_body_sha256=shown_body_sha256(ledger, action_id))
    real_send = sender.send

    def breaks_on_first(url, payload, key):
        if payload["action_id"] == first:
            raise RuntimeError("bug in a receiver library")
        return real_send(url, payload, key)

    monkeypatch.setattr(sender, "send", breaks_on_first)
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.failed == [(first, "unexpected error (RuntimeError)")] and result.sent == [second]
    assert [a["status"] for a in _attempts(ledger, first)] == ["failed"]  # on the board, a person can retry
    assert len(receiver.deliveries) == 1


# ----- killed mid-send ---------------------------------------------------------------------------------


def test_dispatcher_killed_after_the_post_resends_with_the_same_key_and_the_receiver_keeps_one(
    ledger, users, action_id, receiver, router, sender, tmp_path, monkeypatch
):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt("dispatcher killed before it recorded the delivery")

    monkeypatch.setattr(ledger, "complete_delivery", killed)
    with pytest.raises(KeyboardInterrupt):
        _dispatch(ledger, tmp_path, router, sender)
    assert len(receiver.deliveries) == 1  # the receiver has it ...
    assert _status(ledger, action_id) == "approved"  # ... but the ledger does not know yet
    assert [a["status"] for a in _attempts(ledger, action_id)] == ["sending"]

    monkeypatch.undo()  # the next run
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.sent == [action_id]
    assert len(receiver.requests) == 2 and receiver.requests[0]["key"] == receiver.requests[1]["key"]
    assert len(receiver.deliveries) == 1
    assert [a["status"] for a in _attempts(ledger, action_id)] == ["interrupted", "delivered"]
    assert _event_types(ledger, users, action_id)[-3:] == ["send_attempt", "send_attempt", "dispatched"]
    assert ledger.verify_audit_chain() == (True, None)


# ----- a person's retry ------------------------------------------------------------------------------


def test_failed_send_is_listed_and_a_persons_retry_goes_through(
    ledger, users, action_id, receiver, router, sender, tmp_path
):
    receiver.script = [503, 503, 503]
    _dispatch(ledger, tmp_path, router, sender)
    [failed] = ledger.failed_deliveries(users["fd_l01"])
    assert failed["action_id"] == action_id and failed["channel"] == "fax" and failed["http_status"] == 503
    assert failed["error"] == "HTTP 503 Service Unavailable after 3 tries"
    assert ledger.failed_deliveries(users["fd_l02"]) == []  # another location's failures are not listed

    ledger.request_delivery_retry(users["fd_l01"], action_id)
    retry_event = ledger.action_events(users["admin"], action_id)[-1]
    assert retry_event["event_type"] == "send_retry_requested" and retry_event["actor"] == "fd_l01"
    assert ledger.failed_deliveries(users["fd_l01"]) == []
    assert len(receiver.requests) == 3  # the retry itself sends nothing

    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.sent == [action_id] and len(receiver.deliveries) == 1
    assert len({r["key"] for r in receiver.requests}) == 1  # the same approval keeps the same key
    with pytest.raises(InvalidTransition):
        ledger.request_delivery_retry(users["fd_l01"], action_id)  # sent: nothing to retry


@pytest.mark.parametrize("who", ["director", "fd_l02"])  # may not approve re-auth packets; other location
def test_only_someone_who_may_approve_it_there_can_retry(
    ledger, users, action_id, receiver, router, sender, tmp_path, who
):
    receiver.script = [400]
    _dispatch(ledger, tmp_path, router, sender)
    with pytest.raises(PermissionDenied):
        ledger.request_delivery_retry(users[who], action_id)
    assert _attempts(ledger, action_id)[-1]["status"] == "failed"


def test_retry_of_an_action_that_did_not_fail_is_refused(ledger, users, action_id):
    with pytest.raises(InvalidTransition):
        ledger.request_delivery_retry(users["fd_l01"], action_id)


# ----- the approval invariant holds for webhooks ----------------------------------------------------


def test_status_forged_to_approved_is_refused_for_a_webhook(ledger, make_row, receiver, router, sender, tmp_path):
    ledger.sync_drafts("reauth_packet", draft_actions([make_row()], {}, LOCATIONS), "run-1")
    forged = ledger.list_actions(ADMIN_VIEW)[0]["action_id"]
    _sql(tmp_path, "update actions set status = 'approved' where action_id = ?", forged)
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.refused == [(forged, "no approval event for this action")]
    assert receiver.requests == [] and _attempts(ledger, forged) == []


def test_body_edited_after_approval_is_refused_for_a_webhook(ledger, action_id, receiver, router, sender, tmp_path):
    _sql(tmp_path, "update actions set body = body || 'Also wire $500.' where action_id = ?", action_id)
    result = _dispatch(ledger, tmp_path, router, sender)
    assert result.refused == [(action_id, "what would be sent differs from what was approved")]
    assert receiver.requests == []


def test_approver_who_lost_the_role_is_refused_before_a_retry_is_sent(
    ledger, users, action_id, receiver, router, sender, tmp_path, password
):
    receiver.script = [400]
    _dispatch(ledger, tmp_path, router, sender)
    ledger.request_delivery_retry(users["billing"], action_id)
    ledger.upsert_user("fd_l01", password, "director", ["L01"], "Front Desk L01")  # the approver's role changed
    result = _dispatch(ledger, tmp_path, router, sender)
    assert [a for a, _ in result.refused] == [action_id] and len(receiver.requests) == 1


# ----- routing, payload, logs --------------------------------------------------------------------------


def test_file_channel_when_the_mapped_channel_has_no_endpoint(ledger, action_id, receiver, sender, tmp_path):
    texts_only = ChannelRouter(endpoints={"text": receiver.url("/text")})  # re-auth packets map to fax: unset
    result = _dispatch(ledger, tmp_path, texts_only, sender)
    assert result.sent == [action_id] and receiver.requests == []
    assert (tmp_path / "outbox" / "reauth_packet" / "L01" / f"{action_id}.txt").is_file()


def test_a_type_mapped_to_file_is_written_even_when_its_default_channel_is_configured(
    ledger, action_id, receiver, sender, tmp_path
):
    router = ChannelRouter(action_channels={"reauth_packet": "file"}, endpoints={"fax": receiver.url("/fax")})
    assert _dispatch(ledger, tmp_path, router, sender).sent == [action_id]
    assert receiver.requests == [] and len(list((tmp_path / "outbox").rglob("*.txt"))) == 1


def test_payload_carries_the_body_and_minimal_metadata_and_logs_carry_no_phi(
    ledger, action_id, receiver, router, tmp_path, caplog
):
    caplog.set_level("DEBUG")
    receiver.script = [500, 400]
    with WebhookSender(
        read_timeout_seconds=READ_TIMEOUT, max_attempts=3, sleep=lambda _: None, auth_token="s3cret-token"
    ) as token_sender:
        _dispatch(ledger, tmp_path, router, token_sender)
    payload = receiver.requests[0]["payload"]
    assert set(payload) == {"idempotency_key", "action_id", "action_type", "location_id", "channel", "body"}
    assert payload["body"] == ledger.list_actions(ADMIN_VIEW)[0]["body"] and "Quillon" in payload["body"]
    assert receiver.requests[0]["headers"]["Authorization"] == "Bearer s3cret-token"
    assert "delivery failed" in caplog.text
    for secret in (*PHI, "s3cret-token", payload["body"][:40]):
        assert secret not in caplog.text
    events = ledger.audit_events(ADMIN_VIEW, limit=50)
    assert not any(term in e["detail_json"] for e in events for term in (*PHI, "s3cret-token"))


def test_a_token_in_the_endpoint_url_never_reaches_the_audit_trail(
    ledger, users, action_id, receiver, sender, tmp_path
):
    router = ChannelRouter(endpoints={"fax": receiver.url("/fax?token=qq-url-secret")})
    assert _dispatch(ledger, tmp_path, router, sender).sent == [action_id]
    dispatched = ledger.action_events(users["admin"], action_id)[-1]
    assert dispatched["detail"]["destination"] == f"fax webhook {receiver.url('/fax')}"
    assert "qq-url-secret" not in dispatched["detail_json"]
