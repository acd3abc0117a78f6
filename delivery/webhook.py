"""POST one approved action to a channel's webhook (httpx), with timeouts, retries with backoff, and an
idempotency key the receiver dedupes on.

Retried: connection errors, timeouts, HTTP 5xx and 429 (the request may succeed later). Not retried: any
other 4xx (the receiver refuses this request; it will refuse it again). The retry loop is written here
rather than taken from a retry library: it is a dozen lines, classifies by HTTP status, and takes the
sleep as an argument so tests never wait.

Never logged or stored: the body and the receiver's answer (it may echo the body). Errors are short
and name only the status or the kind of network failure.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

ERROR_MAX_CHARS = 200
MAX_BACKOFF_SECONDS = 60.0  # one wait never exceeds a minute, however many tries are configured


def idempotency_key(action_id: str, approval_event_hash: str) -> str:
    """Stable for one action and one approval: every resend of that approval carries the same key."""
    return hashlib.sha256(f"{action_id}:{approval_event_hash}".encode()).hexdigest()


def build_payload(action: dict, channel: str, key: str) -> dict:
    """The action's text and the metadata a receiver needs to file it; no other patient fields."""
    return {
        "idempotency_key": key,
        "action_id": action["action_id"],
        "action_type": action["action_type"],
        "location_id": action["location_id"],
        "channel": channel,
        "body": action["body"],
    }


@dataclass(frozen=True)
class SendOutcome:
    delivered: bool
    tries: int  # HTTP requests made
    http_status: int | None  # of the last answer; None when the last try got no answer
    error: str | None  # short, no PHI; None when delivered


class WebhookSender:
    def __init__(
        self,
        *,
        connect_timeout_seconds: float = 5.0,
        read_timeout_seconds: float = 30.0,
        max_attempts: int = 4,
        backoff_base_seconds: float = 1.0,
        auth_token: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.backoff_base_seconds = backoff_base_seconds
        self.sleep = sleep
        headers = {"Authorization": f"Bearer {auth_token}"} if auth_token else {}
        # connect bounds the TCP/TLS handshake; read/write/pool bound each wait for the receiver.
        timeout = httpx.Timeout(read_timeout_seconds, connect=connect_timeout_seconds)
        self.client = httpx.Client(timeout=timeout, transport=transport, headers=headers, follow_redirects=False)

    @classmethod
    def from_settings(cls, settings, **kwargs) -> WebhookSender:
        """From core.settings.DeliverySettings; kwargs (sleep, transport) are for tests."""
        token = settings.auth_token.get_secret_value() if settings.auth_token else None
        return cls(
            connect_timeout_seconds=settings.connect_timeout_seconds,
            read_timeout_seconds=settings.read_timeout_seconds,
            max_attempts=settings.max_attempts,
            backoff_base_seconds=settings.backoff_base_seconds,
            auth_token=token,
            **kwargs,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, url: str, payload: dict, key: str) -> SendOutcome:
        http_status: int | None = None
        error = "not sent"
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                self.sleep(min(self.backoff_base_seconds * 2 ** (attempt - 2), MAX_BACKOFF_SECONDS))
            try:
                response = self.client.post(url, json=payload, headers={"Idempotency-Key": key})
            except httpx.TimeoutException as exc:
                http_status, error = None, f"timeout ({type(exc).__name__})"
                continue
            except httpx.TransportError as exc:  # refused, reset, DNS, protocol errors
                http_status, error = None, _short(f"connection error ({type(exc).__name__}: {exc})")
                continue
            except httpx.HTTPError as exc:  # e.g. an answer whose encoding cannot be decoded: retry, same key
                http_status, error = None, f"unreadable answer ({type(exc).__name__})"
                continue
            http_status = response.status_code
            if response.is_success:
                return SendOutcome(True, attempt, http_status, None)
            error = _short(f"HTTP {http_status} {response.reason_phrase}".strip())
            if http_status != 429 and http_status < 500:
                return SendOutcome(False, attempt, http_status, f"{error} (not retried)")
        return SendOutcome(False, self.max_attempts, http_status, f"{error} after {self.max_attempts} tries")


def _short(text: str) -> str:
    return text if len(text) <= ERROR_MAX_CHARS else text[: ERROR_MAX_CHARS - 3] + "..."
