"""Authorization windows per child, and the planted re-authorization leaks and near-misses.

Every authorization is set up deliberately; nothing here evaluates the burn-down rule on the records.

- A natural authorization is clear by construction: the one in force on the as-of date ends well past the
  re-auth lead time and after every visit booked, and every window's quantity covers each appointment in it
  at the most a visit can take, plus headroom the child could not use up before the end date even keeping
  every appointment of the last four weeks (`ample_quantity`).
- A planted leak is built to trip the flags it is meant to trip with a margin: its approved quantity, end
  date and (before anything is billed) the last four weeks' attendance are chosen from the visits the
  generator itself kept and booked. The ground truth is those planted facts (`leak_truth`): the quantities
  and dates set, the visits kept and booked, and the flags the plant is meant to trip.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .model import Appt, Auth, Kid
from .reference import GROUP_CODE
from .units import total_timed_units

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
FOUR_WEEKS = 28  # the burn rate's window: the as-of date and the 27 days before it
MARGIN_DAYS = 14  # how far a planted or natural date stays from the edge it must not cross


@dataclass
class Plant:
    kid: Kid
    design: str  # a leak reason or a near-miss kind
    by_date: bool = False  # scheduled_beyond_auth: booked past the end date (else more booked than approved)
    auth: Auth | None = None
    trips: tuple[str, ...] = ()  # the flags the plant is meant to trip
    facts: dict = field(default_factory=dict)  # what was set up, for the ground truth


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


# --- What the generator booked and kept (its own records, read back for sizing and for the truth) ---


def _per_visit(kid: Kid, unit_type: str) -> int:
    """One visit's share of an authorization: a visit, or the units its session length bills (the most a kept
    visit can bill, and what a booked visit is planned to take)."""
    return 1 if unit_type == "visits" else total_timed_units(kid.duration)


def _booked(kid: Kid, anchor: date, after: date | None = None, through: date | None = None) -> list[Appt]:
    """Visits booked after the as-of date (optionally after a date, through a date)."""
    return [
        a
        for a in kid.appts
        if a.status == "scheduled" and a.day > max(anchor, after or anchor) and (through is None or a.day <= through)
    ]


def _kept_under(kid: Kid, auth: Auth, since: date, anchor: date) -> list[Appt]:
    """The visits kept from `since` up to the as-of date that were billed with a code the authorization lists."""
    codes = set(auth.cpt_codes.split("|"))
    return [
        a
        for a in kid.appts
        if a.status == "arrived" and since <= a.day < anchor and any(cpt in codes for cpt, *_ in a.lines or ())
    ]


def _units_billed(visits: list[Appt], auth: Auth) -> int:
    codes = set(auth.cpt_codes.split("|"))
    return sum(units for a in visits for cpt, _, _, units in a.lines if cpt in codes)


def _last_four_weeks(anchor: date) -> date:
    return anchor - timedelta(days=FOUR_WEEKS - 1)


# --- Natural authorizations: clear by construction ---


def ample_quantity(kid: Kid, unit_type: str, start: date, end: date, anchor: date) -> int:
    """A quantity that cannot trip a flag (sizing only; the ground truth never reads it).

    It covers every appointment in the window (kept, missed or booked) at the most a visit can take, plus
    headroom for every appointment of the last four weeks repeating each four weeks until 14 days past the
    end date: remaining stays above two visits, booked never exceeds it, and it cannot run out by the end."""
    in_window = sum(1 for a in kid.appts if start <= a.day <= end)
    recent = sum(1 for a in kid.appts if _last_four_weeks(anchor) <= a.day <= anchor)
    days_ahead = max(0, (end - anchor).days) + MARGIN_DAYS
    headroom = math.ceil(recent * days_ahead / FOUR_WEEKS) + 4
    return _per_visit(kid, unit_type) * (in_window + headroom)


def natural_windows(kid: Kid, rng: random.Random, anchor: date) -> list[tuple[date, date]]:
    """Back-to-back windows from treatment start; renewals further than 46 days out are not requested yet.

    The window in force on the as-of date, when it is the last, runs past the flag horizon and past every
    visit booked (the payer approved the full period; the child simply discharges before using it)."""
    lengths = WINDOW_DAYS[kid.payer.payer_type]
    windows, start = [], kid.start
    while start <= kid.discharge and (not windows or start <= anchor + timedelta(days=46)):
        end = start + timedelta(days=rng.choice(lengths) - 1)
        windows.append((start, end))
        start = end + timedelta(days=1)
    last_start, last_end = windows[-1]
    last_booked = max((a.day for a in _booked(kid, anchor)), default=anchor)
    floor = max(anchor + timedelta(days=46), last_booked + timedelta(days=MARGIN_DAYS))
    if last_end >= anchor and last_end < floor:
        windows[-1] = (last_start, floor + timedelta(days=rng.randint(0, 20)))
    return windows


def build_natural(kid: Kid, ids: AuthIds, rng: random.Random, anchor: date) -> None:
    unit_type = kid.auth_unit_type
    kid.auths = [
        ids.new(kid, s, e, unit_type, ample_quantity(kid, unit_type, s, e, anchor), rng)
        for s, e in natural_windows(kid, rng, anchor)
    ]


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


# --- Choosing and shaping the planted children ---


def _last_booked(kid: Kid, anchor: date) -> date | None:
    return max((a.day for a in _booked(kid, anchor)), default=None)


def _can_book_past_end(kid: Kid, anchor: date) -> bool:
    """Booked far enough ahead for an end date outside the lead time (with a margin) and before a booked visit."""
    last = _last_booked(kid, anchor)
    return last is not None and (last - anchor).days >= kid.payer.reauth_lead_days + 4


def choose_plants(kids: list[Kid], leaks, misses, anchor: date, future_end: date, rng, location_index) -> list[Plant]:
    """The children each planted leak and near-miss is built on (each child carries one plant at most).

    A projected exhaustion, and more visits booked than approved, are planted on visit-counted
    authorizations: their margin rests on the count of visits kept in the last four weeks."""
    candidates = [
        k
        for k in kids
        if k.payer.needs_authorization
        and k.start <= anchor - timedelta(days=75)
        and k.discharge > future_end + timedelta(days=60)
    ]
    rng.shuffle(candidates)
    taken: set[str] = set()

    def pick(need, prefer=lambda k: True) -> Kid | None:
        for strict in (True, False):
            for kid in candidates:
                if kid.patient_id not in taken and need(kid) and (not strict or prefer(kid)):
                    taken.add(kid.patient_id)
                    return kid
        return None

    def visits(k):
        return k.auth_unit_type == "visits"

    plants = []
    for j, reason in enumerate(leaks):
        if reason == "projected_to_exhaust_before_end":
            kid = pick(visits)
            by_date = False
        elif reason == "scheduled_beyond_auth":
            # Even locations book past the end date when the child is booked far enough ahead.
            def by_date_ok(k):
                return location_index % 2 == 0 and _can_book_past_end(k, anchor)

            # Otherwise more visits booked than approved: that needs four booked visits (see design_auths).
            def by_count_ok(k):
                return visits(k) and len(_booked(k, anchor)) >= 4

            kid = pick(lambda k: by_count_ok(k) or by_date_ok(k), by_date_ok)
            by_date = kid is not None and by_date_ok(kid)
        else:
            want_units = (location_index + j) % 3 == 2
            kid = pick(lambda k: True, lambda k, u=want_units: (k.auth_unit_type == "units") == u)
            by_date = False
        if kid is None:
            raise AssertionError(f"location {location_index}: no child to plant {reason} on")
        plants.append(Plant(kid, reason, by_date=by_date))
    for kind in misses:
        kid = pick(visits) if kind == "three_visits_remaining_low_burn" else pick(lambda k: True)
        if kid is not None:
            plants.append(Plant(kid, kind))
    return plants


def _drop(kid: Kid, keep) -> None:
    kid.appts = [a for a in kid.appts if keep(a)]


def _keeps_last_four_weeks(plant: Plant) -> bool:
    """Designs whose margin rests on the child keeping every visit of the last four weeks."""
    return plant.design in ("in_last_two_visits", "projected_to_exhaust_before_end") or (
        plant.design == "scheduled_beyond_auth" and not plant.by_date
    )


def prepare_schedule(plant: Plant, anchor: date, lead_days: int) -> None:
    """Change the child's schedule for the design before anything is billed."""
    kid = plant.kid
    _drop(kid, lambda a: a.day != anchor)  # nothing on the as-of day: it is neither kept nor booked ahead
    if _keeps_last_four_weeks(plant):
        for a in kid.appts:
            if _last_four_weeks(anchor) <= a.day < anchor:
                a.status = "arrived"
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


# --- The planted authorizations (after billing: units need the charge lines) ---

HOW_PLANTED = {
    "in_last_two_visits": (
        "the child kept every visit of the last four weeks; approved = what the kept visits used + {spare}, "
        "with {booked_in_window} visits booked ahead in the window"
    ),
    "expiring_within_lead_time": (
        "ends {days_to_expiry} days after the as-of date (lead time {reauth_lead_days}), before {booked_after_end} "
        "booked visits; quantity ample"
    ),
    "projected_to_exhaust_before_end": (
        "the child kept every visit of the last four weeks ({kept_last_four_weeks}); {spare} visits left, which "
        "that pace uses up by {exhausted_by}, at least 14 days before the end date; every booked visit covered"
    ),
    "scheduled_beyond_auth_by_date": (
        "ends {days_to_expiry} days after the as-of date (outside the {reauth_lead_days}-day lead time), before "
        "{booked_after_end} booked visits; quantity ample"
    ),
    "scheduled_beyond_auth_by_count": (
        "the child kept every visit of the last four weeks ({kept_last_four_weeks}); approved one visit short of "
        "what is kept and booked ({booked_in_window} booked); the {spare} left run out by {exhausted_by}, at "
        "least 14 days before the end date"
    ),
}


def _facts(kid: Kid, auth: Auth, anchor: date) -> dict:
    """The visits kept and booked under the planted authorization, as the generator set them up."""
    kept = _kept_under(kid, auth, auth.start, anchor)
    recent = [a for a in kept if a.day >= _last_four_weeks(anchor)]
    facts = {
        "kept_visits": len(kept),
        "kept_last_four_weeks": len(recent),
        "booked_in_window": len(_booked(kid, anchor, through=auth.end)),
        "booked_after_end": len(_booked(kid, anchor, after=auth.end)),
    }
    if auth.unit_type == "units":
        facts["units_billed"] = _units_billed(kept, auth)
        facts["units_billed_last_four_weeks"] = _units_billed(recent, auth)
        facts["units_per_booked_visit"] = _per_visit(kid, "units")
    return facts


def _used(facts: dict, unit_type: str) -> int:
    return facts["units_billed"] if unit_type == "units" else facts["kept_visits"]


def _require(condition: bool, plant: Plant, what: str) -> None:
    if not condition:
        raise AssertionError(f"planted {plant.design} on {plant.kid.patient_id}: {what}")


def _runs_out_by(anchor: date, spare: int, kept_recent: int) -> date:
    """When `spare` visits run out at the pace of `kept_recent` kept visits every four weeks."""
    return anchor + timedelta(days=math.ceil(spare * FOUR_WEEKS / kept_recent))


def design_auths(plant: Plant, ids: AuthIds, rng: random.Random, anchor: date) -> None:
    """Authorizations of a planted child: each design's quantity and dates, and what it is meant to trip."""
    kid, design = plant.kid, plant.design
    unit_type = kid.auth_unit_type
    if design in ("pending_authorization", "denied_authorization"):
        build_natural(kid, ids, rng, anchor)
        status = "pending" if design == "pending_authorization" else "denied"
        start = anchor - timedelta(days=rng.randint(2, 10))
        extra = ids.new(kid, start, anchor + timedelta(days=rng.randint(10, 25)), unit_type, 0, rng, status)
        kid.auths.append(extra)
        plant.auth = extra
        return
    earlier, start = windows_before(kid, rng, anchor)
    kid.auths = [ids.new(kid, s, e, unit_type, ample_quantity(kid, unit_type, s, e, anchor), rng) for s, e in earlier]
    if design == "ended_day_before_as_of":
        end = anchor - timedelta(days=1)
        start = min(start, end - timedelta(days=30))
        if kid.auths and kid.auths[-1].end >= start:
            kid.auths.pop()
            start = kid.auths[-1].end + timedelta(days=1) if kid.auths else kid.start
        plant.auth = ids.new(kid, start, end, unit_type, ample_quantity(kid, unit_type, start, end, anchor), rng)
        kid.auths.append(plant.auth)
        return
    last_booked = _last_booked(kid, anchor)
    _require(last_booked is not None, plant, "nothing booked ahead")
    end = _planned_end(plant, rng, anchor, last_booked)
    auth = ids.new(kid, start, end, unit_type, 0, rng)
    kid.auths.append(auth)
    plant.auth = auth
    facts = _facts(kid, auth, anchor)
    plant.facts, plant.trips = facts, _size(plant, facts, rng, anchor)
    if design == "expiring_with_approved_successor":
        succ_start, succ_end = end + timedelta(days=1), end + timedelta(days=90)
        quantity = ample_quantity(kid, unit_type, succ_start, succ_end, anchor)
        kid.auths.append(ids.new(kid, succ_start, succ_end, unit_type, quantity, rng))


def _planned_end(plant: Plant, rng: random.Random, anchor: date, last_booked: date) -> date:
    """The end date of the planted authorization (projected designs move it later once sized)."""
    lead = plant.kid.payer.reauth_lead_days
    days = {
        "in_last_two_visits": lambda: rng.randint(60, 80),
        "expiring_within_lead_time": lambda: rng.randint(5, min(lead - 3, (last_booked - anchor).days - 1)),
        "projected_to_exhaust_before_end": lambda: rng.randint(60, 80),
        "scheduled_beyond_auth": lambda: (
            rng.randint(lead + 3, (last_booked - anchor).days - 1) if plant.by_date else rng.randint(60, 80)
        ),
        "ends_day_after_lead_time": lambda: lead + 1,
        "three_visits_remaining_low_burn": lambda: lead + 10,
        "expiring_with_approved_successor": lambda: rng.randint(5, lead - 1),
    }[plant.design]()
    end = anchor + timedelta(days=days)
    if plant.design in ("in_last_two_visits", "projected_to_exhaust_before_end") or (
        plant.design == "scheduled_beyond_auth" and not plant.by_date
    ):
        end = max(end, last_booked + timedelta(days=1))  # every booked visit inside the window
    return end


def _size(plant: Plant, facts: dict, rng: random.Random, anchor: date) -> tuple[str, ...]:
    """Set the approved quantity (and, for a projection, the end date); return the flags meant to trip."""
    kid, auth, design = plant.kid, plant.auth, plant.design
    unit_type, lead = auth.unit_type, kid.payer.reauth_lead_days
    used = _used(facts, unit_type)
    booked = facts["booked_in_window"] * _per_visit(kid, unit_type)
    if design in ("in_last_two_visits", "projected_to_exhaust_before_end") or (
        design == "scheduled_beyond_auth" and not plant.by_date
    ):
        _require(facts["kept_last_four_weeks"] >= 2, plant, "fewer than two visits kept in the last four weeks")
    if design == "in_last_two_visits":
        # Visits: 1 or 2 left, three or more booked; units: 1 unit left, each booked visit plans 3 or 4.
        spare = rng.choice((1, 2)) if unit_type == "visits" else 1
        _require(booked > spare and facts["booked_after_end"] == 0, plant, "too little booked ahead")
        auth.approved = used + spare
        facts["spare"] = spare
        # Two or more kept in four weeks: the spare runs out within 28 days, weeks before the 60-day end.
        return ("in_last_two_visits", "projected_to_exhaust_before_end", "scheduled_beyond_auth")
    if design == "projected_to_exhaust_before_end":
        _require(unit_type == "visits", plant, "a projection is planted on visit-counted authorizations")
        spare = booked + 2  # every booked visit covered, and more than two left
        runs_out = _runs_out_by(anchor, spare, facts["kept_last_four_weeks"])
        auth.end = max(auth.end, runs_out + timedelta(days=MARGIN_DAYS), anchor + timedelta(days=lead + MARGIN_DAYS))
        auth.approved = used + spare
        facts.update(spare=spare, exhausted_by=runs_out.isoformat())
        return ("projected_to_exhaust_before_end",)
    if design == "scheduled_beyond_auth" and not plant.by_date:
        _require(unit_type == "visits", plant, "booked-over-approved is planted on visit-counted authorizations")
        _require(booked >= 4, plant, "fewer than four visits booked ahead")
        spare = booked - 1  # one booked visit more than is left; still more than two left
        runs_out = _runs_out_by(anchor, spare, facts["kept_last_four_weeks"])
        auth.end = max(auth.end, runs_out + timedelta(days=MARGIN_DAYS))
        auth.approved = used + spare
        facts.update(spare=spare, exhausted_by=runs_out.isoformat())
        return ("projected_to_exhaust_before_end", "scheduled_beyond_auth")
    if design == "three_visits_remaining_low_burn":
        _require(unit_type == "visits" and facts["kept_last_four_weeks"] <= 1, plant, "not a family on a break")
        _require(facts["booked_in_window"] == 2 and facts["booked_after_end"] == 0, plant, "not two booked")
        # One kept visit in four weeks: three visits last 84 days, past the end lead + 10 days out.
        auth.approved = used + 3
        return ()
    auth.approved = ample_quantity(kid, unit_type, auth.start, auth.end, anchor)
    days_to_expiry = (auth.end - anchor).days
    if design == "expiring_within_lead_time":
        _require(days_to_expiry <= lead - 3 and facts["booked_after_end"] >= 1, plant, "end date not as designed")
        return ("expiring_within_lead_time", "scheduled_beyond_auth")
    if design == "scheduled_beyond_auth":
        _require(days_to_expiry >= lead + 3 and facts["booked_after_end"] >= 1, plant, "end date not as designed")
        return ("scheduled_beyond_auth",)
    if design == "ends_day_after_lead_time":
        _require(facts["booked_after_end"] == 0, plant, "a visit is booked after the end date")
    return ()


def leak_truth(plant: Plant, location_id: str, anchor: date) -> dict:
    """The ground truth of a planted leak: what was set up, and the flags it is meant to trip."""
    auth, kid = plant.auth, plant.kid
    planted = {
        **plant.facts,
        "approved": auth.approved,
        "start_date": auth.start.isoformat(),
        "end_date": auth.end.isoformat(),
        "days_to_expiry": (auth.end - anchor).days,
        "reauth_lead_days": kid.payer.reauth_lead_days,
    }
    key = plant.design
    if plant.design == "scheduled_beyond_auth":
        key += "_by_date" if plant.by_date else "_by_count"
    return {
        "authorization_id": auth.authorization_id,
        "location_id": location_id,
        "planted_reason": plant.design,
        "patient_id": kid.patient_id,
        "payer_id": kid.payer.payer_id,
        "unit_type": auth.unit_type,
        "meant_to_trip": sorted(plant.trips),
        "planted": planted,
        "how_planted": HOW_PLANTED[key].format(**planted),
    }


def near_miss_truth(plant: Plant, location_id: str) -> dict:
    auth = plant.auth
    return {
        "authorization_id": auth.authorization_id,
        "location_id": location_id,
        "kind": plant.design,
        "why_not_flagged": WHY_NOT_FLAGGED[plant.design],
        "status": auth.status,
        "start_date": auth.start.isoformat(),
        "end_date": auth.end.isoformat(),
    }


def record_truth(truth: dict, plants: list[Plant], location_id: str, anchor: date) -> None:
    for plant in plants:
        if plant.design in LEAK_REASONS:
            truth["auth_leaks"].append(leak_truth(plant, location_id, anchor))
        else:
            truth["auth_near_misses"].append(near_miss_truth(plant, location_id))


# Kept visits no authorization covers, planted once each per location on a child with no other plant.
# Both fall in authorizations that ended before the as-of date, so the burn-down flags (which read only
# authorizations in force) are untouched, and weeks ago, so the visit's claim has been answered.
UNAUTHORIZED_REASONS = {
    "authorization_ended": (
        "an authorization that had ended (the child's last, or an earlier one whose successor starts later) was "
        "cut to end the day before the last kept visit in its window"
    ),
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
    """An authorization that ended before the as-of date now ends the day before the last kept visit in its
    window. A discharged child's last authorization first; at a location with none old enough, an earlier
    authorization of a child whose care went on (its successor starts after the old end, so only this visit
    loses cover)."""
    for last_only in (True, False):
        for kid in kids:
            for auth in reversed(_ended_auths(kid, anchor)):
                if last_only and auth is not kid.auths[-1]:
                    continue
                visits = _kept_treatments(kid, auth)
                if not visits or visits[-1].day <= auth.start or not _planted_age(visits[-1], anchor):
                    continue
                visit = visits[-1]
                if any(a.status == "arrived" and visit.day <= a.day <= auth.end and a is not visit for a in kid.appts):
                    continue  # a later kept visit in the window would lose its authorization too
                if any(o is not auth and o.start <= visit.day <= o.end for o in kid.auths if o.status == "approved"):
                    continue  # another authorization covers the day: nothing would be unauthorized
                auth.end = visit.day - timedelta(days=1)
                return kid, auth, visit
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
