"""What a draft function is given besides its flag rows: the as-of date, the settings, the rows of its declared
packet models, an X12 control-number allocator and (for types that declare it) the ledger's history of the type.

Nothing here reads the warehouse or the ledger: the emitter asset reads the declared relations once and hands
the rows over, so a draft function is a pure function of its inputs and can be called from a test with dicts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from core.settings import Settings, get_settings
from emitters.models import DraftAction, RecipientRef, address_fingerprint

LOCATIONS_PACKET = "packet_locations"  # the letterhead of every location (name, address, NPI)
RECIPIENTS_PACKET = "packet_recipient_addresses"  # fax and mobile numbers by recipient kind and id


def _no_control_numbers(flag_ids: Iterable[str]) -> dict[str, int]:
    raise ValueError("this action type builds X12 but its emitter was given no control-number allocator")


@dataclass(frozen=True)
class DraftContext:
    as_of: date
    settings: Settings = field(default_factory=get_settings)
    # flag_ids -> interchange control number per flag (the ledger's allocator: stable for a flag across runs)
    control_numbers: Callable[[Iterable[str]], dict[str, int]] = _no_control_numbers
    packets: Mapping[str, list[dict]] = field(default_factory=dict)  # declared packet model -> its rows
    prior_actions: tuple[dict, ...] = ()  # the ledger's drafts of this type (types with reads_ledger_history)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    _addresses: dict | None = field(default=None, init=False, repr=False, compare=False)

    def packet(self, model: str) -> list[dict]:
        """The rows of a declared packet model; a model the type did not declare is an error, not an empty list."""
        if model not in self.packets:
            raise ValueError(f"packet model {model} is not among this action type's declared packet models")
        return list(self.packets[model])

    def grouped(self, model: str, key: str) -> dict[str, list[dict]]:
        """The packet's rows grouped by one column (e.g. the claim or flag they belong to), in packet order."""
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in self.packet(model):
            groups[row[key]].append(row)
        return dict(groups)

    def indexed(self, model: str, key: str) -> dict[str, dict]:
        """The packet's rows by a unique column (e.g. patient_id)."""
        return {row[key]: row for row in self.packet(model)}

    def locations(self) -> dict[str, dict]:
        """location_id -> letterhead row (packet_locations)."""
        return self.indexed(LOCATIONS_PACKET, "location_id")

    def recipient_ref(self, kind: str, recipient_id: str | None) -> RecipientRef | None:
        """The reference a fax or text draft carries, fingerprinting the number on file now (packet
        packet_recipient_addresses); None when the row names no recipient."""
        if not recipient_id:
            return None
        if RECIPIENTS_PACKET not in self.packets:
            raise ValueError(f"packet model {RECIPIENTS_PACKET} is not among this action type's declared packet models")
        if self._addresses is None:
            object.__setattr__(
                self,
                "_addresses",
                {
                    (row["recipient_kind"], row["recipient_id"]): row["address"]
                    for row in self.packets[RECIPIENTS_PACKET]
                },
            )
        address = self._addresses.get((kind, str(recipient_id)))
        return RecipientRef(kind=kind, id=str(recipient_id), address_sha256=address_fingerprint(address))

    def with_recipients(
        self, drafts: list[DraftAction], kind: str, recipient_id: Callable[[DraftAction], str | None]
    ) -> list[DraftAction]:
        """The drafts, each carrying the reference of its recipient of `kind` (see `recipient_ref`)."""
        return [
            draft.model_copy(update={"recipient_ref": self.recipient_ref(kind, recipient_id(draft))})
            for draft in drafts
        ]

    def location_names(self) -> dict[str, str]:
        return {location_id: row["location_name"] for location_id, row in self.locations().items()}

    def location_time_zones(self) -> dict[str, str]:
        """location_id -> IANA time zone every date and time in that location's drafts is written in."""
        return {location_id: row["time_zone"] for location_id, row in self.locations().items()}
