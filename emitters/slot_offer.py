"""Fill-the-slot outreach: rows of marts.flag_open_slot_offers -> one offer at a time per slot.

For each open slot the waitlist's ranked matches are offered in rank order, one family at a time: the
next family is drafted only when no offer for the slot is open, snoozed or approved, and the last one
sent is older than the offer window (setting RCM_SCHEDULING_OFFER_WINDOW_MINUTES, default 30). A family
holds at most one live offer across all slots (never two texts at once): the soonest slot gets first pick,
and a family already holding an offer (live, or sent inside its window) is passed over for the next one.
Each offer carries the visit's contracted dollars so it sorts with the rest of the work. Each
draft carries a text message and a call script; staff approve each send. The ledger enforces the same
rule at approval: evidence[0] names the slot as `exclusive_key`, so a second offer for a slot cannot be
approved while another is approved or inside its window (the ledger's `_exclusive_conflict`).

Pure: the same rows, prior offers, time and window always give the same drafts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.money import amount, format_money

from .context import DraftContext
from .family_messages import assert_minimum_necessary, clock_time, forbidden_terms
from .models import DraftAction
from .values import as_date, fmt_date

ACTION_TYPE = "slot_offer"
ASSIGNED_ROLE = "front_desk"
LIVE = frozenset({"open", "snoozed", "approved"})


@dataclass(frozen=True)
class PriorOffer:
    flag_id: str
    slot_id: str
    waitlist_id: str
    status: str
    updated_at: datetime  # for a sent offer: when it was sent


def draft_slot_offers(
    rows: list[dict], prior: list[PriorOffer], now: datetime, window_minutes: int
) -> list[DraftAction]:
    """The offers that should be live after this run: at most one per slot."""
    by_slot: dict[str, list[dict]] = {}
    for row in rows:
        by_slot.setdefault(str(row["slot_id"]), []).append(row)
    prior_by_slot: dict[str, list[PriorOffer]] = {}
    for offer in prior:
        prior_by_slot.setdefault(offer.slot_id, []).append(offer)
    window = timedelta(minutes=window_minutes)

    def holds_offer(o: PriorOffer) -> bool:
        return o.status in LIVE or (o.status == "sent" and now < o.updated_at + window)

    busy = {o.waitlist_id for o in prior if holds_offer(o)}  # families holding an offer somewhere
    drafts = []
    for slot_id in sorted(by_slot, key=lambda s: _slot_order(by_slot[s][0])):
        candidates = sorted(by_slot[slot_id], key=lambda r: (int(r["match_rank"]), str(r["waitlist_id"])))
        offers = prior_by_slot.get(slot_id, [])
        live = [o for o in offers if o.status in LIVE]
        if any(o.status == "approved" for o in live):
            continue  # approved and about to go out: the ledger leaves it alone, nothing else is drafted
        if any(o.status == "sent" and now < o.updated_at + window for o in offers):
            continue  # a family holds the offer inside its window
        still_live = [r for r in candidates if any(o.flag_id == str(r["flag_id"]) for o in live)]
        if still_live:
            drafts.append(_draft(still_live[0], window_minutes))
            continue
        offered = {o.waitlist_id for o in offers}
        remaining = [r for r in candidates if str(r["waitlist_id"]) not in offered | busy]
        if remaining:
            busy.add(str(remaining[0]["waitlist_id"]))
            drafts.append(_draft(remaining[0], window_minutes))
    return drafts


def _slot_order(row: dict) -> tuple:
    return as_date(row["slot_date"]), int(row["slot_start_minute"]), str(row["slot_id"])


def text_message(row: dict, window_minutes: int) -> str:
    day = as_date(row["slot_date"])
    return (
        f"{row['location_name']}: an appointment just opened with {row['provider_first_name']} on "
        f"{day:%A, %B} {day.day} at {clock_time(row['slot_start_minute'])}. Reply YES within {window_minutes} "
        f"minutes to take it, or NO to stay on the waitlist. Reply STOP to opt out of texts."
    )


def call_script(row: dict, window_minutes: int) -> str:
    day = as_date(row["slot_date"])
    return "\n".join(
        [
            f"Hello, this is the front desk at {row['location_name']}. May I speak with the parent or guardian?",
            f"We have an opening with {row['provider_first_name']} on {day:%A, %B} {day.day} at "
            f"{clock_time(row['slot_start_minute'])} for {row['slot_minutes']} minutes, "
            "and you are next on our waitlist.",
            "Would you like to take it?",
            "  If yes: book it in the schedule now and confirm the day and time back to them.",
            f"  If no, or no answer within {window_minutes} minutes: "
            "mark the offer declined so the next family is offered it.",
            "Do not discuss the child's care, codes or insurance details on this call.",
        ]
    )


def _draft(row: dict, window_minutes: int) -> DraftAction:
    forbidden = forbidden_terms(row)
    text = assert_minimum_necessary(text_message(row, window_minutes), forbidden)
    script = assert_minimum_necessary(call_script(row, window_minutes), forbidden)
    day = as_date(row["slot_date"])
    fit = row.get("preference_misses") or "the slot fits every preference the family gave"
    body = (
        "TEXT MESSAGE\n" + text + "\n\nCALL SCRIPT\n" + script + "\n\nFOR THE SCHEDULER (not for the family)\n"
        f"Match {int(row['match_rank'])}, waiting {int(row['days_waiting'])} days; preferences: {fit}.\n"
        f"Visit value: {format_money(row.get('visit_amount'))}.\n"
    )
    title = (
        f"Slot offer: {row['provider_name']} {fmt_date(day)} {clock_time(row['slot_start_minute'])} "
        f"(match {int(row['match_rank'])}, {row['location_name']})"
    )
    return DraftAction(
        flag_id=str(row["flag_id"]),
        action_type=ACTION_TYPE,
        location_id=row["location_id"],
        payer_id=row.get("payer_id"),
        patient_id=row.get("patient_id"),
        title=title[:200],
        recipient=f"family on waitlist {row['waitlist_id']} (text {row.get('guardian_phone') or 'no phone on file'})",
        body=body,
        evidence=[
            {
                "source": "marts.flag_open_slot_offers",
                "exclusive_key": f"slot:{row['slot_id']}",
                "exclusive_window_minutes": window_minutes,
                "slot_id": str(row["slot_id"]),
                "waitlist_id": str(row["waitlist_id"]),
                "match_rank": int(row["match_rank"]),
                "days_waiting": int(row["days_waiting"]),
                "fit_score": int(row["fit_score"]),
                "provider_id": row["provider_id"],
                "slot_date": day.isoformat(),
                "slot_start_minute": int(row["slot_start_minute"]),
                "slot_state": row.get("slot_state"),
                "visit_amount": str(amount(row.get("visit_amount"))),
            },
        ],
        dollars_at_stake=amount(row.get("visit_amount")),
        due_date=day,
        assigned_role=ASSIGNED_ROLE,
        phi_terms=[p for p in [row.get("guardian_phone")] if p],
    )


def prior_offers(history: Iterable[dict]) -> list[PriorOffer]:
    """The slot offers the ledger holds (Ledger.list_actions dicts), with the slot and family from the evidence and
    the status as stored (a snooze stays a snooze here: the offer is still live)."""
    offers = []
    for action in history:
        evidence = action["evidence"][0]
        offers.append(
            PriorOffer(
                action["flag_id"],
                evidence["slot_id"],
                evidence["waitlist_id"],
                action["stored_status"],
                _parse_utc(action["updated_at"]),
            )
        )
    return offers


def draft(rows: list[dict], ctx: DraftContext) -> list[DraftAction]:
    """Registry entry point: the earlier offers come from the ledger's history of this type, handed over by the
    emitter asset (slot_offer declares reads_ledger_history)."""
    window_minutes = ctx.settings.scheduling_offer_window_minutes
    drafts = draft_slot_offers(rows, prior_offers(ctx.prior_actions), ctx.now, window_minutes)
    return ctx.with_recipients(drafts, "guardian_mobile", lambda d: d.patient_id)


def _parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
