"""Which channel each action type goes out on, and where that channel is.

One mapping, changed by a setting (`RCM_DELIVERY_CHANNEL_MAP`, e.g. "slot_offer=email,attendance_letter=file").
A channel whose webhook URL is not configured falls back to files under data/outbox, so a fresh install
sends nothing over the network. Work items for the group's own staff are files by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import (
    WEBHOOK_CHANNELS,  # plain module (no Dagster): the one list of channels
)
from emitters.roles import ACTION_APPROVER_ROLES

FILE_CHANNEL = "file"

DEFAULT_ACTION_CHANNELS: dict[str, str] = {
    # Documents for payers and physicians
    "reauth_packet": "fax",
    "appeal_letter": "fax",
    "referral_order_fax": "fax",
    "records_request": "fax",
    "poc_signature_request": "fax",
    "underpayment_dispute": "fax",
    # Short messages to families (no diagnosis, member id or clinical detail: the emitters guarantee it)
    "slot_offer": "text",
    "visit_reminder": "text",
    "intake_family_nudge": "text",
    # Letters and reminders that go by email
    "credential_renewal": "email",
    "enrollment_followup": "email",
    "attendance_letter": "email",
    "missed_visit_fee": "email",
    # Claims go to the clearinghouse (837P replacement with frequency code 7; claims to the secondary payer)
    "corrected_claim": "clearinghouse",
    "secondary_claim": "clearinghouse",
    # Every other type (claim_audit_fix, denial_followup, booking_alert, eligibility_check_task, ...) is a task
    # for the group's own staff: a file in the outbox.
}


@dataclass(frozen=True)
class Route:
    channel: str  # FILE_CHANNEL or one of WEBHOOK_CHANNELS
    url: str | None  # None for the file channel


@dataclass(frozen=True)
class ChannelRouter:
    """action type -> (channel, webhook URL). Built from the defaults, the overrides and the configured URLs."""

    action_channels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ACTION_CHANNELS))
    endpoints: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        unknown = sorted(set(self.action_channels.values()) - {FILE_CHANNEL, *WEBHOOK_CHANNELS}) \
            + sorted(set(self.endpoints) - set(WEBHOOK_CHANNELS))
        if unknown:
            raise ValueError(f"unknown channels: {', '.join(unknown)}")

    @classmethod
    def from_settings(cls, settings) -> ChannelRouter:
        """From core.settings.DeliverySettings: the defaults, updated by the overrides."""
        unknown_types = sorted(set(settings.channel_overrides) - set(ACTION_APPROVER_ROLES))
        if unknown_types:  # a typo would otherwise silently leave the type on its default channel
            raise ValueError(f"RCM_DELIVERY_CHANNEL_MAP names unknown action types: {', '.join(unknown_types)}")
        return cls(action_channels={**DEFAULT_ACTION_CHANNELS, **settings.channel_overrides},
                   endpoints={channel: str(url) for channel, url in settings.endpoints.items()})

    def route(self, action_type: str) -> Route:
        channel = self.action_channels.get(action_type, FILE_CHANNEL)
        url = self.endpoints.get(channel)
        if channel == FILE_CHANNEL or not url:
            return Route(FILE_CHANNEL, None)
        return Route(channel, url)
