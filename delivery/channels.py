"""Which channel each action type goes out on, and where that channel is.

One mapping, changed by a setting (`RCM_DELIVERY_CHANNEL_MAP`, e.g. "slot_offer=email,attendance_letter=file").
A channel whose webhook URL is not configured falls back to files under data/outbox, so a fresh install
sends nothing over the network. Work items for the group's own staff are files by default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import WEBHOOK_CHANNELS  # plain module (no Dagster): the one list of channels
from emitters.registry import ACTION_TYPES, default_channels

FILE_CHANNEL = "file"

# Each type's channel is declared in emitters/registry.py (documents for payers and physicians by fax, short
# messages to families by text, letters by email, claims to the clearinghouse, staff work items as files).
DEFAULT_ACTION_CHANNELS: dict[str, str] = default_channels()


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
        unknown = sorted(set(self.action_channels.values()) - {FILE_CHANNEL, *WEBHOOK_CHANNELS}) + sorted(
            set(self.endpoints) - set(WEBHOOK_CHANNELS)
        )
        if unknown:
            raise ValueError(f"unknown channels: {', '.join(unknown)}")

    @classmethod
    def from_settings(cls, settings) -> ChannelRouter:
        """From core.settings.DeliverySettings: the defaults, updated by the overrides."""
        unknown_types = sorted(set(settings.channel_overrides) - set(ACTION_TYPES))
        if unknown_types:  # a typo would otherwise silently leave the type on its default channel
            raise ValueError(f"RCM_DELIVERY_CHANNEL_MAP names unknown action types: {', '.join(unknown_types)}")
        return cls(
            action_channels={**DEFAULT_ACTION_CHANNELS, **settings.channel_overrides},
            endpoints={channel: str(url) for channel, url in settings.endpoints.items()},
        )

    def route(self, action_type: str) -> Route:
        channel = self.action_channels.get(action_type, FILE_CHANNEL)
        url = self.endpoints.get(channel)
        if channel == FILE_CHANNEL or not url:
            return Route(FILE_CHANNEL, None)
        return Route(channel, url)
