"""Fax and text drafts name their recipient by reference: every such type declares the numbers packet, and the
reference fingerprints the number on file whatever its spelling."""

from __future__ import annotations

from datetime import date

import pytest

from emitters.context import RECIPIENTS_PACKET, DraftContext
from emitters.models import address_fingerprint
from emitters.registry import ACTION_TYPES

# Goes to a school or a prior provider: no extract names that recipient's fax yet.
NO_RECIPIENT_IN_THE_EXTRACTS = {"records_request"}


def test_every_fax_and_text_type_declares_the_numbers_packet():
    missing = [
        name
        for name, declared in ACTION_TYPES.items()
        if declared.channel in ("fax", "text")
        and name not in NO_RECIPIENT_IN_THE_EXTRACTS
        and RECIPIENTS_PACKET not in declared.packet_models
    ]
    assert missing == []


def test_the_same_number_spelled_differently_has_one_fingerprint():
    spellings = ["(312) 555-0147", "312.555.0147", "+1 312 555 0147", "13125550147", "+13125550147"]
    assert len({address_fingerprint(s) for s in spellings}) == 1
    assert address_fingerprint("(312) 555-0148") != address_fingerprint("(312) 555-0147")
    assert address_fingerprint(None) is None and address_fingerprint("  ") is None


def test_recipient_ref_fingerprints_the_number_on_file():
    ctx = DraftContext(
        as_of=date(2026, 3, 2),
        packets={
            RECIPIENTS_PACKET: [{"recipient_kind": "payer_fax", "recipient_id": "TXMCO1", "address": "(512) 555-0147"}]
        },
    )
    ref = ctx.recipient_ref("payer_fax", "TXMCO1")
    assert (ref.kind, ref.id, ref.address_sha256) == ("payer_fax", "TXMCO1", address_fingerprint("512-555-0147"))
    assert ctx.recipient_ref("payer_fax", "UNKNOWN").address_sha256 is None  # no number on file: bound as none
    assert ctx.recipient_ref("guardian_mobile", "TXMCO1").address_sha256 is None  # kinds do not mix
    assert ctx.recipient_ref("payer_fax", None) is None


def test_a_type_that_did_not_declare_the_numbers_packet_cannot_name_a_recipient():
    with pytest.raises(ValueError, match="packet_recipient_addresses is not among"):
        DraftContext(as_of=date(2026, 3, 2), packets={}).recipient_ref("payer_fax", "TXMCO1")
