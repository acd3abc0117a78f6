"""Send one approved action through a provider's HTTP API at most once, with retries.

The providers here (SRFax, Twilio Messages) take no idempotency key, so "at most once" is kept on our side:

1. A key that already has a provider id was delivered: nothing is sent, the outcome is "delivered".
2. Before every POST the attempt is recorded (state "sending").
3. A failure where the request may have reached the provider (read/write timeout, a dropped connection
   after sending, HTTP 5xx) makes the outcome unknown: before any further POST, for this run or a later
   one, the gateway asks the provider whether it took the message (`find_sent`), and adopts its id if so.
   A failure where nothing was taken (connect error or timeout, HTTP 429) is retried directly.
4. Waits between tries double from `backoff_base_seconds`, capped at MAX_BACKOFF_SECONDS.

A 4xx other than 429, or a provider answer that refuses the message, is final for this approval: a person
retries it from the board. Errors are short and name only the status or the kind of failure, never the
number or the body.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

# The dispatcher's outcome type, so a gateway is a drop-in sender; the other gateway modules import it from here.
from delivery.webhook import SendOutcome

from .numbers import RecipientResolver, Unsendable
from .state import GatewayState

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0


class ProviderRefused(Exception):
    """The provider answered and will not take this message; retrying the same request cannot help."""


class OutcomeUnknown(Exception):
    """The provider answered in a way that does not say whether it took the message (treated like a 5xx)."""


@dataclass(frozen=True)
class HttpRetryPolicy:
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 30.0
    max_attempts: int = 4
    backoff_base_seconds: float = 1.0

    @classmethod
    def from_settings(cls, delivery) -> HttpRetryPolicy:
        """From core.settings.DeliverySettings: the same timeouts and tries as the webhooks."""
        return cls(
            delivery.connect_timeout_seconds,
            delivery.read_timeout_seconds,
            delivery.max_attempts,
            delivery.backoff_base_seconds,
        )


class OnceSender(ABC):
    """Base of the named HTTP gateways. Subclasses say how to submit, read the answer and look a send up."""

    gateway_name = "http"
    channel = ""

    def __init__(
        self,
        *,
        resolver: RecipientResolver,
        state: GatewayState,
        policy: HttpRetryPolicy,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        auth: httpx.Auth | tuple[str, str] | None = None,
    ):
        self.resolver = resolver
        self.state = state
        self.policy = policy
        self.sleep = sleep
        timeout = httpx.Timeout(policy.read_timeout_seconds, connect=policy.connect_timeout_seconds)
        self.client = httpx.Client(timeout=timeout, transport=transport, auth=auth, follow_redirects=False)

    # -- what a provider implements ---------------------------------------------------------------------
    @abstractmethod
    def destination(self, payload: Mapping[str, Any]) -> str:
        """The validated recipient number (raises Unsendable, e.g. RecipientRefused)."""
        ...

    @abstractmethod
    def submit(self, destination: str, payload: Mapping[str, Any], key: str) -> httpx.Response: ...

    @abstractmethod
    def accepted_id(self, response: httpx.Response) -> str:
        """The provider's id for the message from a 2xx answer (raises ProviderRefused or OutcomeUnknown)."""
        ...

    @abstractmethod
    def find_sent(self, destination: str, payload: Mapping[str, Any], key: str, since: datetime) -> str | None:
        """The provider's id of a message this key already sent since `since`, or None when it has none."""
        ...

    # -- the dispatcher's sender interface --------------------------------------------------------------
    def send(self, url: str, payload: Mapping[str, Any], key: str) -> SendOutcome:
        """`url` is the router's label for this channel; the request goes to the provider's documented endpoint."""
        previous = self.state.send_record(key)
        if previous is not None and previous.provider_id:
            return SendOutcome(True, 0, None, None)  # delivered earlier under this approval: never twice
        try:
            destination = self.destination(payload)
        except Unsendable as exc:
            return SendOutcome(False, 0, None, f"{exc} (not sent)")
        unknown = previous is not None  # an earlier attempt may have reached the provider
        tries, http_status, error = 0, None, "not sent"
        while tries < self.policy.max_attempts:
            if tries:  # wait first: a provider may list a message only a moment after taking it
                self.sleep(min(self.policy.backoff_base_seconds * 2 ** (tries - 1), MAX_BACKOFF_SECONDS))
            if unknown:
                try:
                    found = self.find_sent(destination, payload, key, self.state.send_record(key).first_attempt_at)
                except (httpx.HTTPError, OutcomeUnknown, ProviderRefused, ValueError) as exc:
                    # Cannot tell whether it went: sending again could send twice. A person decides.
                    return SendOutcome(
                        False,
                        tries,
                        http_status,
                        f"{error}; could not check whether the {self.channel} went out "
                        f"({type(exc).__name__}), not resent",
                    )
                if found:
                    self.state.complete_send(key, found)
                    log.info(
                        "%s: action %s had already gone out; recorded", self.gateway_name, payload.get("action_id")
                    )
                    return SendOutcome(True, tries, http_status, None)
            tries += 1
            self.state.begin_send(key, self.gateway_name)
            try:
                response = self.submit(destination, payload, key)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                http_status, error = None, f"connection failed ({type(exc).__name__})"  # nothing left here
                continue
            except httpx.TimeoutException as exc:
                http_status, error, unknown = None, f"timeout ({type(exc).__name__})", True
                continue
            except httpx.HTTPError as exc:  # reset or protocol error after the request left
                http_status, error, unknown = None, f"connection lost ({type(exc).__name__})", True
                continue
            http_status = response.status_code
            if http_status == 429:
                error = "HTTP 429 rate limited"
                continue
            if http_status >= 500:
                error, unknown = f"HTTP {http_status}", True
                continue
            if not response.is_success:
                return SendOutcome(False, tries, http_status, f"{self.refusal(response)} (not retried)")
            try:
                provider_id = self.accepted_id(response)
            except ProviderRefused as exc:
                return SendOutcome(False, tries, http_status, f"{exc} (not retried)")
            except OutcomeUnknown as exc:
                error, unknown = str(exc), True
                continue
            self.state.complete_send(key, provider_id)
            return SendOutcome(True, tries, http_status, None)
        return SendOutcome(False, tries, http_status, f"{error} after {tries} tries")

    def refusal(self, response: httpx.Response) -> str:
        """A short reason for a 4xx; providers override it to add their error code (never their message)."""
        return f"HTTP {response.status_code}"

    def close(self) -> None:
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
