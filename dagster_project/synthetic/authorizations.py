"""Authorization windows per child, sized from the real schedule, plus the planted leaks and near-misses.

Every approved authorization that is active on the as-of date and has no approved successor is either
planted (trips its designed rule under every reading of the rule) or clear with margin; the generator
checks both with auth_rules and raises if a design did not hold, so a silent drift cannot happen.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import auth_rules
from .model import Auth, Kid
from .reference import AUTH_CPT_CODES, GROUP_CODE

AUTH_CPTS = frozenset(AUTH_CPT_CODES.split("|"))
LEAK_REASONS = (
    "in_last_two_visits",
    "expiring_within_lead_time",
    "projected_to_exhaust_before_end",
    "scheduled_beyond_auth",
)
NEAR_MISS_KINDS = (
    "ends_day_after_lead_time",
    "three_visits_remaining_low_burn",
    "expiring_with_approved_successor",
    "pending_authorization",
    "denied_authorization",
    "ended_day_before_as_of",
)
WHY_NOT_FLAGGED = {
    "ends_day_after_lead_time": (
        "ends lead_days + 1 days after the as-of date: outside the lead time, plenty remaining, "
        "nothing scheduled beyond it"
    ),
    "three_visits_remaining_low_burn": (
        "exactly 3 visits remaining (the threshold is 2) and a low burn rate that does not exhaust it "
        "before the end date"
    ),
    "expiring_with_approved_successor": (
        "expires inside the lead time but an approved successor starts the day after it ends"
    ),
    "pending_authorization": "status pending: only approved authorizations are evaluated",
    "denied_authorization": "status denied: only approved authorizations are evaluated",
    "ended_day_before_as_of": (
        "ended the day before the as-of date (not active) and the child has no visits scheduled after it"
    ),
}
WINDOW_DAYS = {
    "medicaid_mco": (60, 90, 120, 180),
    "medicaid_ffs": (60, 120, 180),
    "tricare": (90, 180),
    "commercial": (60, 90),
}


@dataclass
class Plant:
    kid: Kid
    design: str  # a leak reason or a near-miss kind
    auth: Auth | None = None


class AuthIds:
    def __init__(self, location_id: str):
        self.location_id, self.count = location_id, 0

    def new(
        self,
        kid: Kid,
        start: date,
        end: date,
        unit_type: str,
        approved: int,
        rng: random.Random,
        status: str = "approved",
    ) -> Auth:
        self.count += 1
        requested = datetime(start.year, start.month, start.day, 15) - timedelta(
            days=rng.randint(3, 25), minutes=rng.randrange(300)
        )
        return Auth(
            f"AU-{self.location_id}-{self.count:05d}",
            f"PA{self.location_id[1:]}{self.count:06d}{kid.payer.x12_payer_id[:2]}",
            start,
            end,
            unit_type,
            approved,
            status,
            requested,
        )


def _units_per_visit(kid: Kid) -> int:
    return auth_rules.units_for_scheduled(kid.duration)


def generous_quantity(kid: Kid, start: date, end: date) -> int:
    visits = math.ceil(kid.freq * ((end - start).days + 1) / 7 * 1.15) + 2
    return visits * _units_per_visit(kid) if kid.auth_unit_type == "units" else visits


def natural_windows(kid: Kid, rng: random.Random, anchor: date) -> list[tuple[date, date]]:
    """Back-to-back windows from treatment start; renewals further than 46 days out are not requested yet."""
    lengths = WINDOW_DAYS[kid.payer.payer_type]
    windows, start = [], kid.start
    while start <= kid.discharge and (not windows or start <= anchor + timedelta(days=46)):
        end = start + timedelta(days=rng.choice(lengths) - 1)
        windows.append((start, end))
        start = end + timedelta(days=1)
    last_start, last_end = windows[-1]
    if last_end >= anchor and (last_end - anchor).days <= 45:
        # A final authorization still open at the as-of date runs past the flag horizon (the payer
        # approved the full period; the child simply discharges before using it).
        windows[-1] = (last_start, anchor + timedelta(days=46 + rng.randint(0, 20)))
    return windows


def windows_before(kid: Kid, rng: random.Random, anchor: date) -> tuple[list[tuple[date, date]], date]:
    """Windows up to a current one that starts at least 40 days before the as-of date.

    Returns (earlier windows, current start)."""
    windows, start = [], kid.start
    while True:
        length = rng.choice((60, 90))
        if start + timedelta(days=length - 1) >= anchor - timedelta(days=40):
            return windows, start
        windows.append((start, start + timedelta(days=length - 1)))
        start += timedelta(days=length)


def facts_all(kid: Kid, auth: Auth, anchor: date):
    return auth_rules.evaluate_all_readings(auth, kid.appts, anchor, kid.payer.reauth_lead_days, AUTH_CPTS)


def size_clear(kid: Kid, auth: Auth, anchor: date) -> None:
    step = _units_per_visit(kid) if auth.unit_type == "units" else 1
    while not auth_rules.clear_with_margin(auth, kid.appts, anchor, kid.payer.reauth_lead_days, AUTH_CPTS):
        if (auth.end - anchor).days <= 45 or any(f.scheduled_after_end for f in facts_all(kid, auth, anchor)):
            raise AssertionError(f"{auth.authorization_id}: window cannot be made clear by quantity")
        auth.approved += step


def build_natural(kid: Kid, ids: AuthIds, rng: random.Random, anchor: date) -> None:
    windows = natural_windows(kid, rng, anchor)
    kid.auths = [ids.new(kid, s, e, kid.auth_unit_type, generous_quantity(kid, s, e), rng) for s, e in windows]
    last = kid.auths[-1]
    if last.start <= anchor <= last.end:
        size_clear(kid, last, anchor)


def _drop(kid: Kid, keep) -> None:
    kid.appts = [a for a in kid.appts if keep(a)]


def prepare_schedule(plant: Plant, anchor: date, lead_days: int) -> None:
    """Change the child's schedule for the design before anything is billed."""
    kid = plant.kid
    _drop(kid, lambda a: a.day != anchor)  # no appointment on the as-of day: both readings of the rule agree
    if plant.design == "ended_day_before_as_of":
        _drop(kid, lambda a: a.day < anchor)
        kid.discharge = anchor - timedelta(days=1)
    elif plant.design == "ends_day_after_lead_time":
        end = anchor + timedelta(days=lead_days + 1)
        _drop(kid, lambda a: a.day <= end)
        kid.discharge = min(kid.discharge, end)
    elif plant.design == "three_visits_remaining_low_burn":
        # A family on a break: one kept visit in the last five weeks, two more booked, then a pause.
        recent = [a for a in kid.appts if anchor - timedelta(days=35) <= a.day < anchor]
        keep = min(recent, key=lambda a: (abs((anchor - a.day).days - 14), a.day)) if recent else None
        for a in recent:
            a.status = "arrived" if a is keep else "cancelled"
        future = [a for a in kid.appts if a.day > anchor][:2]
        _drop(kid, lambda a: a.day < anchor or any(a is f for f in future))


def design_auths(plant: Plant, ids: AuthIds, rng: random.Random, anchor: date) -> None:
    """Authorizations of a planted child, after its visits are billed (units need the charge lines)."""
    kid, design = plant.kid, plant.design
    lead = kid.payer.reauth_lead_days
    unit_type = kid.auth_unit_type
    per_visit = _units_per_visit(kid) if unit_type == "units" else 1
    if design in ("pending_authorization", "denied_authorization"):
        build_natural(kid, ids, rng, anchor)
        status = "pending" if design == "pending_authorization" else "denied"
        start = anchor - timedelta(days=rng.randint(2, 10))
        extra = ids.new(kid, start, anchor + timedelta(days=rng.randint(10, 25)), unit_type, 0, rng, status)
        kid.auths.append(extra)
        plant.auth = extra
        return
    earlier, current_start = windows_before(kid, rng, anchor)
    kid.auths = [ids.new(kid, s, e, unit_type, generous_quantity(kid, s, e), rng) for s, e in earlier]
    if design == "ended_day_before_as_of":
        end = anchor - timedelta(days=1)
        current_start = min(current_start, end - timedelta(days=30))
        if kid.auths and kid.auths[-1].end >= current_start:
            kid.auths.pop()
            current_start = kid.auths[-1].end + timedelta(days=1) if kid.auths else kid.start
        plant.auth = ids.new(kid, current_start, end, unit_type, generous_quantity(kid, current_start, end), rng)
        kid.auths.append(plant.auth)
        return
    offsets = {
        "in_last_two_visits": rng.randint(50, 80),
        "expiring_within_lead_time": rng.randint(5, lead),
        "projected_to_exhaust_before_end": rng.randint(60, 80),
        "ends_day_after_lead_time": lead + 1,
        "three_visits_remaining_low_burn": lead + 10,
        "expiring_with_approved_successor": rng.randint(5, lead - 1),
    }
    if design == "scheduled_beyond_auth":
        last_sched = max((a.day for a in kid.appts if a.status == "scheduled"), default=anchor)
        beyond_by_date = (last_sched - anchor).days - 3 > lead + 1
        offsets[design] = (
            rng.randint(lead + 1, (last_sched - anchor).days - 3) if beyond_by_date else rng.randint(60, 80)
        )
    end = anchor + timedelta(days=offsets[design])
    auth = ids.new(kid, current_start, end, unit_type, generous_quantity(kid, current_start, end), rng)
    kid.auths.append(auth)
    plant.auth = auth
    facts = auth_rules.evaluate(auth, kid.appts, anchor, lead, AUTH_CPTS)
    avg = facts.avg_units_per_visit or per_visit
    if design == "in_last_two_visits":
        auth.approved = facts.used + (rng.choice((1, 2)) if unit_type == "visits" else max(1, math.floor(avg)))
    elif design == "projected_to_exhaust_before_end":
        auth.approved = facts.used + facts.scheduled + 3 * per_visit
        worst = max(f.projected_exhaustion for f in facts_all(kid, auth, anchor))
        auth.end = max(auth.end, worst + timedelta(days=10))
    elif design == "scheduled_beyond_auth" and not beyond_by_date:
        auth.approved = facts.used + facts.scheduled - per_visit
    elif design == "three_visits_remaining_low_burn":
        auth.approved = facts.used + 3
    elif design == "expiring_with_approved_successor":
        succ_end = end + timedelta(days=90)
        kid.auths.append(
            ids.new(kid, end + timedelta(days=1), succ_end, unit_type, generous_quantity(kid, end, succ_end), rng)
        )
    elif design in ("expiring_within_lead_time", "ends_day_after_lead_time") or design == "scheduled_beyond_auth":
        size_generous_for_design(kid, auth, anchor)


def size_generous_for_design(kid: Kid, auth: Auth, anchor: date) -> None:
    """Plenty of quantity so only the date-based rule is in play."""
    step = _units_per_visit(kid) if auth.unit_type == "units" else 1
    for _ in range(500):
        facts = facts_all(kid, auth, anchor)
        if all(
            not f.in_last_two_visits
            and not f.projected_to_exhaust_before_end
            and f.used + f.scheduled <= auth.approved - 2 * step
            for f in facts
        ):
            return
        auth.approved += step


def check_plant(plant: Plant, anchor: date) -> list:
    """Raise unless the design holds under every reading; return the facts (first reading first)."""
    kid, auth = plant.kid, plant.auth
    if plant.design in LEAK_REASONS:
        facts = facts_all(kid, auth, anchor)
        if not all(f.flags()[plant.design] for f in facts):
            raise AssertionError(f"planted {plant.design} on {auth.authorization_id} does not trip: {facts}")
        if len({tuple(f.flags().values()) for f in facts}) != 1:
            raise AssertionError(f"planted {auth.authorization_id} depends on the reading of the rule: {facts}")
        return facts
    if plant.design in ("ends_day_after_lead_time", "three_visits_remaining_low_burn"):
        facts = facts_all(kid, auth, anchor)
        if any(any(f.flags().values()) for f in facts):
            raise AssertionError(f"near-miss {plant.design} on {auth.authorization_id} trips a rule: {facts}")
        return facts
    return []


# Kept visits no authorization covers, planted once each per location on a child with no other plant.
# Both fall in authorizations that ended before the as-of date, so the burn-down flags (which read only
# authorizations in force) are untouched, and weeks ago, so the visit's claim has been answered.
UNAUTHORIZED_REASONS = {
    "authorization_ended": "the child's last authorization was cut to end the day before the child's last kept visit",
    "wrong_service": (
        "the authorization in force lists the individual-therapy codes only and the visit, the last kept "
        "treatment in its window, was billed as a group session (97150), the window's only one"
    ),
}
# The planted visit is 20 to 85 days old: its claim is answered (the generator remits within 18 days of
# the visit's week), and it is recent enough for a retro-authorization request.
VISIT_AGE_DAYS = (20, 85)


def _planted_age(visit, anchor: date) -> bool:
    return VISIT_AGE_DAYS[0] <= (anchor - visit.day).days <= VISIT_AGE_DAYS[1]


def _kept_treatments(kid: Kid, auth: Auth) -> list:
    """The kept treatment visits in the authorization's window, oldest first."""
    kept = [a for a in kid.appts if a.status == "arrived" and a.kind == "treatment" and auth.start <= a.day <= auth.end]
    return sorted(kept, key=lambda a: (a.day, a.hour))


def _ended_auths(kid: Kid, anchor: date) -> list[Auth]:
    return [a for a in kid.auths if a.status == "approved" and a.end < anchor]


def _plant_ended(kids: list[Kid], anchor: date) -> tuple[Kid, Auth, object] | None:
    """A discharged child whose last authorization ended before the as-of date: it now ends the day before
    the child's last kept visit."""
    for kid in kids:
        last = kid.auths[-1]
        visits = _kept_treatments(kid, last)
        if last.end >= anchor or not visits or visits[-1].day <= last.start or not _planted_age(visits[-1], anchor):
            continue
        visit = visits[-1]
        if any(a.status == "arrived" and a.day >= visit.day and a is not visit for a in kid.appts):
            continue  # a later kept visit would lose its authorization too
        last.end = visit.day - timedelta(days=1)
        return kid, last, visit
    return None


def _plant_wrong_service(kids: list[Kid], anchor: date) -> tuple[Kid, Auth, object] | None:
    """An ended authorization whose window holds one group session: it now covers individual codes only.

    The session is the window's last kept treatment, billed as a group session if it was not one."""
    group_only = frozenset({GROUP_CODE})
    for kid in kids:
        for auth in _ended_auths(kid, anchor):
            visits = _kept_treatments(kid, auth)
            others = [a for a in visits[:-1] if {cpt for cpt, *_ in a.lines} == group_only]
            if len(visits) < 2 or others or not _planted_age(visits[-1], anchor):
                continue
            visit = visits[-1]
            modifiers = visit.lines[0][1]
            visit.lines = [(GROUP_CODE, modifiers, visit.duration, 1)]
            auth.cpt_codes = "|".join(c for c in auth.cpt_codes.split("|") if c != GROUP_CODE)
            return kid, auth, visit
    return None


def plant_unauthorized_visits(kids: list[Kid], planted: set[str], location_id: str, anchor: date) -> list[dict]:
    """Plant one kept visit of each unauthorized reason; return the facts planted (the ground truth)."""
    candidates = [k for k in kids if k.payer.needs_authorization and k.patient_id not in planted and k.auths]
    facts = []
    taken: set[str] = set()
    for reason, plant in (("authorization_ended", _plant_ended), ("wrong_service", _plant_wrong_service)):
        found = plant([k for k in candidates if k.patient_id not in taken], anchor)
        if found is None:
            raise AssertionError(f"{location_id}: no child to plant an unauthorized visit ({reason}) on")
        kid, auth, visit = found
        taken.add(kid.patient_id)
        facts.append(
            {
                "visit_id": visit.visit_id,
                "appointment_id": visit.appointment_id,
                "claim_id": visit.claim_id,
                "claim_line_numbers": list(range(1, len(visit.lines) + 1)),
                "location_id": location_id,
                "patient_id": kid.patient_id,
                "payer_id": kid.payer.payer_id,
                "authorization_id": auth.authorization_id,
                "authorization_end_date": auth.end.isoformat(),
                "authorization_cpt_codes": auth.cpt_codes,
                "date_of_service": visit.day.isoformat(),
                "planted_reason": reason,
                "how_planted": UNAUTHORIZED_REASONS[reason],
            }
        )
    return facts
