"""Fax and text recipients, resolved at send time from the serving snapshot.

A fax or text draft carries a reference to its recipient (`emitters.models.RecipientRef`: kind, id and the
fingerprint of the number it was written against), never the number itself. When the action is sent, the number
is read from the serving snapshot's `packet_recipient_addresses` (the latest extracts):

- the dispatcher puts the fingerprint of today's number into the approval digest (`current_ref_json`), so a
  number that changed, appeared or disappeared since approval is refused as `changed_after_approval` and the
  action goes back to a person;
- the gateways' resolvers (`fax_number`, `mobile_number`) return the number itself, re-checking the kind and the
  fingerprint, and refuse (`RecipientRefused`) with a reason that never repeats a number or an id;
- mobile numbers are delivered in any spelling ('(512) 555-0100'); the text resolver hands the gateway E.164
  ('+15125550100'), parsed and checked by `phonenumbers`, a number without a country code read as North American.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import duckdb
import phonenumbers

from emitters.models import FAX_KINDS, TEXT_KINDS, RecipientRef, address_fingerprint

from .gateways.numbers import RecipientRefused

ADDRESS_TABLE = "packet_recipient_addresses"
# The region a number delivered without a country code belongs to: the groups served are in the US.
DEFAULT_PHONE_REGION = "US"
# Numbers no text can reach.
NOT_TEXTABLE = frozenset({phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.PREMIUM_RATE})


def e164_mobile(address: str) -> str:
    """The number as E.164 ('(512) 555-0100' -> '+15125550100'). A number that cannot be read, is not a valid
    number (area code, length) or is a landline is refused with a reason that never repeats it: nothing is sent."""
    try:
        parsed = phonenumbers.parse(address, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise RecipientRefused("the mobile number on file cannot be read as a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise RecipientRefused("the mobile number on file is not a valid phone number (area code or length)")
    if phonenumbers.number_type(parsed) in NOT_TEXTABLE:
        raise RecipientRefused("the mobile number on file is a landline or premium-rate number; texts cannot reach it")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class SnapshotAddressBook:
    """The numbers of one serving snapshot, read once (read-only) on first use. `snapshot_path` None: none published."""

    def __init__(self, snapshot_path: Path | None):
        self.snapshot_path = snapshot_path
        self._addresses: dict[tuple[str, str], str] | None = None

    def _load(self) -> dict[tuple[str, str], str]:
        if self._addresses is None:
            if self.snapshot_path is None or not Path(self.snapshot_path).exists():
                raise RecipientRefused("no serving snapshot is published to read the recipient's number from")
            with duckdb.connect(str(self.snapshot_path), read_only=True) as con:
                present = con.execute(
                    "select count(*) from information_schema.tables where table_name = ?", [ADDRESS_TABLE]
                ).fetchone()[0]
                if not present:
                    raise RecipientRefused("the serving snapshot has no recipient numbers (run the pipeline again)")
                rows = con.execute(f"select recipient_kind, recipient_id, address from {ADDRESS_TABLE}").fetchall()
            self._addresses = {(kind, recipient_id): address for kind, recipient_id, address in rows}
        return self._addresses

    def address(self, ref: RecipientRef) -> str | None:
        return self._load().get((ref.kind, ref.id))


def parse_ref(recipient_ref_json: str | None) -> RecipientRef | None:
    return RecipientRef.model_validate(json.loads(recipient_ref_json)) if recipient_ref_json else None


def current_ref_json(book: SnapshotAddressBook, recipient_ref_json: str) -> str:
    """The stored reference with the fingerprint of the number on file now, spelled as the ledger stores it."""
    from ledger.audit import canonical_json

    ref = parse_ref(recipient_ref_json)
    current = ref.model_copy(update={"address_sha256": address_fingerprint(book.address(ref))})
    return canonical_json(current.model_dump())


class SnapshotRecipients:
    """The gateways' resolvers: payload (the dispatcher's, with `action_id`) -> the number on file now."""

    def __init__(self, book: SnapshotAddressBook, action_lookup: Callable[[str], Mapping[str, Any] | None]):
        self.book = book
        self.action_lookup = action_lookup  # action id -> the ledger's row of it (for_ledger)

    @classmethod
    def for_ledger(cls, book: SnapshotAddressBook, ledger) -> SnapshotRecipients:
        from ledger.schema import fetch_action

        def action_row(action_id: str) -> dict | None:
            with ledger.engine.connect() as conn:
                row = fetch_action(conn, action_id)
            return dict(row._mapping) if row is not None else None

        return cls(book, action_row)

    def _resolve(self, payload: Mapping[str, Any], kinds: frozenset[str]) -> str | None:
        action = self.action_lookup(payload["action_id"])
        ref = parse_ref(action.get("recipient_ref_json")) if action else None
        if ref is None:
            raise RecipientRefused("this action names no recipient whose number the extracts carry")
        if ref.kind not in kinds:
            raise RecipientRefused(f"a {ref.kind} recipient cannot be reached over the {payload['channel']} channel")
        address = self.book.address(ref)
        if address is not None and address_fingerprint(address) != ref.address_sha256:
            raise RecipientRefused("the recipient's number on file changed after approval; approve the action again")
        return address

    def fax_number(self, payload: Mapping[str, Any]) -> str | None:
        return self._resolve(payload, FAX_KINDS)

    def mobile_number(self, payload: Mapping[str, Any]) -> str | None:
        """The guardian's mobile on file now, as E.164."""
        address = self._resolve(payload, TEXT_KINDS)
        return e164_mobile(address) if address is not None and address.strip() else address
