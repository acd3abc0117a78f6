"""Urgent first across the whole queue, not within a page: a cheap slot offer or a draft due tomorrow comes before
every costlier non-urgent draft, on page one, however many pages the queue has."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from emitters.models import DraftAction
from ledger import QueueFilter, User
from ledger.queue import is_urgent

URGENT_TYPES = ("slot_offer",)
ADMIN = User(username="admin", display_name="Admin", role="admin", locations=frozenset({"*"}))


def _draft(flag_id: str, action_type: str, dollars: str, due, role: str = "front_desk") -> DraftAction:
    return DraftAction(
        flag_id=flag_id,
        action_type=action_type,
        location_id="L01",
        payer_id="P-AET",
        patient_id=f"PT-{flag_id}",
        title=f"{action_type} {flag_id}",
        recipient="someone",
        body=f"Body of {flag_id}.",
        checklist=[],
        evidence=[],
        dollars_at_stake=Decimal(dollars),
        due_date=due,
        assigned_role=role,
    )


@pytest.fixture
def queue(ledger, clock):
    today = clock().date()
    far = today + timedelta(days=20)
    packets = [_draft(f"big-{i}", "reauth_packet", f"{900 - i * 10}.00", far) for i in range(12)]
    packets.append(_draft("due-tomorrow", "reauth_packet", "15.00", today + timedelta(days=1)))
    packets.append(_draft("due-in-two-days", "reauth_packet", "14.00", today + timedelta(days=2)))
    ledger.sync_drafts("reauth_packet", packets, run_id="r1")
    ledger.sync_drafts("slot_offer", [_draft("slot", "slot_offer", "5.00", far)], run_id="r1")
    return ledger


def _flags(page) -> list[str]:
    return [row["flag_id"] for row in page.rows]


def test_urgent_items_lead_page_one_of_a_queue_longer_than_a_page(queue):
    first = queue.queue_page(ADMIN, QueueFilter(urgent_types=URGENT_TYPES), limit=5, offset=0)
    assert first.total == 15
    assert _flags(first)[:2] == ["due-tomorrow", "slot"]  # urgent by date, then urgent by type: dollars decide
    assert _flags(first)[2:] == ["big-0", "big-1", "big-2"]
    rest = [
        flag
        for offset in (5, 10)
        for flag in _flags(queue.queue_page(ADMIN, QueueFilter(urgent_types=URGENT_TYPES), limit=5, offset=offset))
    ]
    assert "slot" not in rest and "due-tomorrow" not in rest
    assert rest[-1] == "due-in-two-days"  # not urgent: the cheapest comes last


def test_without_urgent_types_the_order_is_dollars_then_due_date(queue):
    plain = queue.queue_page(ADMIN, QueueFilter(), limit=15)
    assert _flags(plain)[-3:] == ["due-tomorrow", "due-in-two-days", "slot"]


def test_the_label_and_the_order_agree_on_every_row(queue, clock):
    rows = queue.queue_page(ADMIN, QueueFilter(urgent_types=URGENT_TYPES), limit=15).rows
    labels = [is_urgent(row, URGENT_TYPES, clock().date()) for row in rows]
    assert labels == [True, True] + [False] * 13
