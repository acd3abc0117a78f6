"""Text an approved family message through Twilio's Programmable Messaging API.

Twilio's Messages resource (twilio.com/docs/messaging/api/message-resource, API version 2010-04-01):

- Create: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth (AccountSid, AuthToken),
  form fields `To` (E.164), `From` (our number, E.164) or `MessagingServiceSid`, `Body` (at most 1,600
  characters). Answer 201 with the message JSON (`sid`, `status`, `date_created`); errors carry a numeric
  `code` (e.g. 21211 invalid To, 20429 too many requests with HTTP 429).
- List: `GET` the same path, newest first, with optional `From`, `To` and `PageSize` filters.

The Messages API takes no idempotency key, so we remember the message SID per key and, when an earlier try
may have reached Twilio (timeout, 5xx), list the latest messages from our number and adopt one to the same
recipient, created since that try, whose body is exactly ours before sending again.

The body goes out exactly as approved: the text drafts carry no diagnosis, member id or clinical detail,
and this gateway adds nothing (no signature, no link, no name). The mobile number comes from the resolver
at send time and must be E.164.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .numbers import Unsendable, resolve_text_number
from .sending import OnceSender, OutcomeUnknown

MAX_BODY_CHARS = 1600  # Twilio's limit for Body
CLOCK_SKEW = timedelta(minutes=2)  # Twilio's date_created and our clock may differ a little
LOOKUP_PAGE_SIZE = 200  # newest first: the message looked for was created moments ago


class TwilioTextGateway(OnceSender):
    gateway_name = "twilio"
    channel = "text"

    def __init__(self, settings, **kwargs):
        """settings: core.settings.TwilioSettings; kwargs: resolver, state, policy (and transport, sleep in tests)."""
        super().__init__(auth=(settings.account_sid, settings.auth_token.get_secret_value()), **kwargs)
        self.settings = settings
        self.messages_url = (
            f"{str(settings.api_base).rstrip('/')}/2010-04-01/Accounts/{settings.account_sid}/Messages.json"
        )

    @property
    def endpoint_label(self) -> str:
        return self.messages_url

    def destination(self, payload: Mapping[str, Any]) -> str:
        if len(payload["body"]) > MAX_BODY_CHARS:
            raise Unsendable(f"the text is longer than Twilio's {MAX_BODY_CHARS} characters")
        return resolve_text_number(self.resolver, payload)

    def _sender(self) -> dict[str, str]:
        if self.settings.messaging_service_sid:
            return {"MessagingServiceSid": self.settings.messaging_service_sid}
        return {"From": self.settings.from_number}

    def submit(self, destination: str, payload: Mapping[str, Any], key: str) -> httpx.Response:
        return self.client.post(self.messages_url, data={"To": destination, **self._sender(), "Body": payload["body"]})

    def accepted_id(self, response: httpx.Response) -> str:
        sid = _json(response).get("sid")
        if not sid:
            raise OutcomeUnknown("Twilio answered without a message sid")
        return str(sid)

    def find_sent(self, destination: str, payload: Mapping[str, Any], key: str, since: datetime) -> str | None:
        # The recipient is matched here, not in the query string: request URLs end up in HTTP client logs.
        params = {"PageSize": str(LOOKUP_PAGE_SIZE)}
        if "From" in (sender := self._sender()):
            params["From"] = sender["From"]  # our own number
        response = self.client.get(self.messages_url, params=params)
        response.raise_for_status()
        messages = _json(response).get("messages")
        if not isinstance(messages, list):
            raise OutcomeUnknown("Twilio's message list has an unexpected shape")
        for message in messages:
            created = parsedate_to_datetime(message["date_created"]) if message.get("date_created") else None
            if (
                message.get("to") == destination
                and message.get("body") == payload["body"]
                and created is not None
                and created >= since - CLOCK_SKEW
            ):
                return str(message["sid"])
        return None

    def refusal(self, response: httpx.Response) -> str:
        # Twilio's error message can quote the number: only its numeric code goes to the ledger.
        try:
            code = response.json().get("code")
        except (ValueError, AttributeError):
            code = None
        return f"Twilio error {code} (HTTP {response.status_code})" if code else f"HTTP {response.status_code}"


def _json(response: httpx.Response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        raise OutcomeUnknown("Twilio answered with something other than JSON") from None
    if not isinstance(answer, dict):
        raise OutcomeUnknown("Twilio answered with an unexpected shape")
    return answer
