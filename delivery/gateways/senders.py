"""One sender for the dispatcher: named gateways for the channels that have one, the webhook for the rest.

The dispatcher calls `sender.send(url, payload, key)` for every non-file route and reads `delivered`,
`tries`, `http_status` and `error` from the outcome. `GatewaySenders` keeps that interface and picks the
gateway by `payload["channel"]`; `endpoints` gives the router a label per gateway channel so those
channels leave the file fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from core.settings import (
    get_delivery_settings,
    get_gateway_state_url,
    get_sftp_mailbox_settings,
    get_srfax_settings,
    get_twilio_settings,
)

from .numbers import RecipientResolver
from .sending import HttpRetryPolicy, SendOutcome
from .sftp_mailbox import ClearinghouseMailbox
from .srfax import SrfaxGateway
from .state import GatewayState
from .twilio_text import TwilioTextGateway


class Sender(Protocol):
    def send(self, url: str, payload: Mapping[str, Any], key: str) -> SendOutcome: ...


class GatewaySenders:
    def __init__(self, gateways: Mapping[str, Sender], fallback: Sender | None = None):
        self.gateways = dict(gateways)  # channel -> gateway
        self.fallback = fallback  # the webhook sender, for channels without a gateway

    @property
    def endpoints(self) -> dict[str, str]:
        """channel -> label of where it goes (no secrets): merge into ChannelRouter.endpoints."""
        return {channel: gateway.endpoint_label for channel, gateway in self.gateways.items()}

    def send(self, url: str, payload: Mapping[str, Any], key: str) -> SendOutcome:
        gateway = self.gateways.get(payload["channel"], self.fallback)
        if gateway is None:
            return SendOutcome(False, 0, None, f"no sender for channel {payload['channel']} (not sent)")
        return gateway.send(url, payload, key)

    def close(self) -> None:
        for gateway in self.gateways.values():
            if hasattr(gateway, "close"):
                gateway.close()

    def __enter__(self) -> GatewaySenders:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @classmethod
    def from_settings(
        cls, *, fax_resolver: RecipientResolver, text_resolver: RecipientResolver, fallback: Sender | None = None
    ) -> GatewaySenders:
        """The gateways whose accounts are configured (SRFax for fax, Twilio for text, the SFTP mailbox for
        the clearinghouse); a channel without one keeps the fallback (webhook) or the outbox."""
        policy = HttpRetryPolicy.from_settings(get_delivery_settings())
        state = GatewayState(get_gateway_state_url())
        gateways: dict[str, Sender] = {}
        if (srfax := get_srfax_settings()) is not None:
            gateways["fax"] = SrfaxGateway(srfax, resolver=fax_resolver, state=state, policy=policy)
        if (twilio := get_twilio_settings()) is not None:
            gateways["text"] = TwilioTextGateway(twilio, resolver=text_resolver, state=state, policy=policy)
        if (mailbox := get_sftp_mailbox_settings()) is not None:
            gateways["clearinghouse"] = ClearinghouseMailbox(mailbox, state)
        return cls(gateways, fallback)
