"""The authorization burn-down rule as the dbt mart states it, evaluated on the generator's own records.

The generator uses it to size every authorization and to prove each planted leak trips its rule and
each other authorization stays clear. Two readings of the rule text are ambiguous (does "after the
as-of date" include appointments on the as-of day, is the 28-day burn window 27 or 28 days back), so
planted cases are checked under every reading and must give the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from .model import Appt, Auth

READINGS = ((True, 27), (True, 28), (False, 27), (False, 28))  # (anchor day counts as scheduled, burn days back)


def units_for_scheduled(duration_minutes: int) -> int:
    return (duration_minutes + 7) // 15


def kept_units(appt: Appt, cpt_codes: frozenset[str]) -> int:
    return sum(units for cpt, _, _, units in appt.lines or () if cpt in cpt_codes)


@dataclass(frozen=True)
class AuthFacts:
    approved: int
    used: int
    scheduled: int
    remaining: int
    kept_visits: int
    burn_rate_per_week: float
    projected_exhaustion: date | None
    avg_units_per_visit: float | None
    scheduled_after_end: int
    in_last_two_visits: bool
    expiring_within_lead_time: bool
    projected_to_exhaust_before_end: bool
    scheduled_beyond_auth: bool

    def flags(self) -> dict[str, bool]:
        return {
            "in_last_two_visits": self.in_last_two_visits,
            "expiring_within_lead_time": self.expiring_within_lead_time,
            "projected_to_exhaust_before_end": self.projected_to_exhaust_before_end,
            "scheduled_beyond_auth": self.scheduled_beyond_auth,
        }


def evaluate(
    auth: Auth,
    appts: list[Appt],
    as_of: date,
    lead_days: int,
    cpt_codes: frozenset[str],
    anchor_day_scheduled: bool = True,
    burn_days_back: int = 27,
) -> AuthFacts:
    """The four flags for an active authorization without an approved successor."""
    in_window = [a for a in appts if auth.start <= a.day <= auth.end]
    kept = [a for a in in_window if a.status == "arrived" and a.day <= as_of]
    first_future = as_of if anchor_day_scheduled else as_of + timedelta(days=1)
    upcoming = [a for a in in_window if a.status == "scheduled" and a.day >= first_future]
    burn_from = as_of - timedelta(days=burn_days_back)
    recent = [a for a in kept if a.day >= burn_from]
    if auth.unit_type == "units":
        used = sum(kept_units(a, cpt_codes) for a in kept)
        scheduled = sum(units_for_scheduled(a.duration) for a in upcoming)
        recent_used = sum(kept_units(a, cpt_codes) for a in recent)
        avg = used / len(kept) if kept else None
        last_two = avg is not None and auth.approved - used <= 2 * avg
    else:
        used, scheduled, recent_used, avg = len(kept), len(upcoming), len(recent), None
        last_two = auth.approved - used <= 2
    remaining = auth.approved - used
    burn = recent_used / 4
    projected = as_of + timedelta(days=math.ceil(remaining / burn * 7)) if burn > 0 else None
    after_end = sum(1 for a in appts if a.status == "scheduled" and a.day > auth.end)
    return AuthFacts(
        approved=auth.approved,
        used=used,
        scheduled=scheduled,
        remaining=remaining,
        kept_visits=len(kept),
        burn_rate_per_week=burn,
        projected_exhaustion=projected,
        avg_units_per_visit=avg,
        scheduled_after_end=after_end,
        in_last_two_visits=last_two,
        expiring_within_lead_time=(auth.end - as_of).days <= lead_days,
        projected_to_exhaust_before_end=projected is not None and projected < auth.end,
        scheduled_beyond_auth=used + scheduled > auth.approved or after_end > 0,
    )


def evaluate_all_readings(auth, appts, as_of, lead_days, cpt_codes) -> list[AuthFacts]:
    return [evaluate(auth, appts, as_of, lead_days, cpt_codes, sched, back) for sched, back in READINGS]


def clear_with_margin(auth, appts, as_of, lead_days, cpt_codes) -> bool:
    """Clear of all four flags under every reading, with room to spare (see the module docstring)."""
    for facts in evaluate_all_readings(auth, appts, as_of, lead_days, cpt_codes):
        per_visit = facts.avg_units_per_visit or 4 if auth.unit_type == "units" else 1
        if any(facts.flags().values()):
            return False
        if (auth.end - as_of).days <= 45 or facts.scheduled_after_end:
            return False
        if facts.remaining <= 4 * per_visit or facts.used + facts.scheduled > auth.approved - 2 * per_visit:
            return False
        if facts.projected_exhaustion is not None and facts.projected_exhaustion < auth.end + timedelta(days=14):
            return False
    return True
