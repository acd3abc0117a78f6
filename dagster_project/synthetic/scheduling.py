"""Scheduling data of a location: therapist schedule templates and the planted scheduling problems.

Plants, per location (all recorded under the ground-truth key "scheduling", as planted):

- a new-hire OTR whose Medicaid enrollments are still pending; one Medicaid child's booked visits in the
  last two weeks of the four-week window are moved to that therapist (booking mismatches: provider not
  enrolled with the payer). Their original therapist's hours fall open (gaps with a ranked match), and
  the new hire's own open template hours have no match (no credentialed therapist for the payers waiting);
- a long-waiting commercial child on the waitlist who asks for exactly that therapist, weekday and time:
  the top match of those opened slots;
- a commercial child in care (open plan of care) whose family cancelled every booked visit ahead and booked
  nothing else: a patient with an open plan of care and no future visit; the cancelled hours are not
  refilled (open slots);
- a child still booked ahead with planted no-shows in the attendance policy's 60 days (under 85% kept).

Everything else is clear by construction: a therapist's template holds only the hours booked on every
clinic day of the four-week window before the plants above open some of them, natural families stay well
inside the attendance policy (`keep_families_inside_policy`) and a child whose care continues past the as-of
date has a visit booked (`settle_discharges`). The ground truth lists the slots and children the plants set
up; nothing here re-reads the rows to find them.

A separate random stream per location (seed:sched:index) keeps the other areas' data unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .clinic import NpiIssuer, _member_id, is_clinic_day
from .model import Kid
from .reference import FIRST_NAMES, LAST_NAMES, OT_TAXONOMY, PAYER_MIX, PAYERS, PAYERS_BY_ID

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WINDOW_DAYS = 28  # open slots and booking checks: as_of + 1 .. as_of + 28
ATTENDANCE_WINDOW_DAYS = 60
ATTENDANCE_MIN_RATE = 0.85
ATTENDANCE_MIN_VISITS = 4
PLANTED_WAIT_DAYS = 240
PAY_PERIOD_EPOCH = date(2020, 1, 6)  # the generator's fortnights (generator.PAY_PERIOD_EPOCH)


@dataclass
class LocationPlan:
    rng: random.Random
    regular_cells: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # the templates' hours
    new_hire_id: str | None = None
    new_hire_npi: str | None = None
    moved_kid: Kid | None = None
    moved_cells: list[tuple[date, int]] = field(default_factory=list)  # (day, hour) opened at the old therapist
    old_provider_id: str | None = None
    new_hire_cells: set[tuple[int, int]] = field(default_factory=set)  # (weekday, hour)
    new_hire: object = None
    dropped_kid: Kid | None = None  # cancelled everything booked ahead (open plan, no future visit)
    attendance: list[dict] = field(default_factory=list)  # the children planted under the attendance policy


def window_days(anchor: date) -> list[date]:
    """The clinic days of the booking window (as_of + 1 .. as_of + 28)."""
    days = (anchor + timedelta(days=offset) for offset in range(1, WINDOW_DAYS + 1))
    return [day for day in days if is_clinic_day(day)]


def _booked_cells(kids: list[Kid]) -> set[tuple[str, date, int]]:
    return {
        (a.provider.provider_id, a.day, a.hour)
        for kid in kids
        for a in kid.appts
        if a.status in ("scheduled", "arrived")
    }


def _regular_cells(
    providers, kids: list[Kid], anchor: date, opened: frozenset = frozenset()
) -> dict[str, set[tuple[int, int]]]:
    """Per therapist, the (weekday, hour) cells booked on every clinic day of that weekday in the window,
    counting the (provider, day, hour) cells a plant opened as booked: the hours the templates offer, so no
    template hour is open unless a plant opened it."""
    booked = _booked_cells(kids) | opened
    days = window_days(anchor)
    cells: dict[str, set[tuple[int, int]]] = {}
    for provider in providers:
        pid = provider.provider_id
        cells[pid] = {
            (wd, hour)
            for wd in range(5)
            for hour in range(8, 18)
            if any(d.weekday() == wd for d in days) and all((pid, d, hour) in booked for d in days if d.weekday() == wd)
        }
    return cells


COUNTED = ("arrived", "no_show", "late_cancelled")  # what the attendance policy counts (cancelled with notice is not)
NATURAL_MIN_KEPT_SHARE = 0.88  # natural families stay this far inside the 85% policy


def shape_before_billing(
    seed: int, location_index: int, kids: list[Kid], planted_ids: set[str], anchor: date
) -> list[dict]:
    """Before anything is billed: settle discharges, plant one child under the attendance policy and keep
    every other family inside it. Returns the planted attendance facts (the ground truth)."""
    settle_discharges(kids, anchor)
    planted = plant_attendance(random.Random(f"{seed}:sched-attend:{location_index}"), kids, planted_ids, anchor)
    keep_families_inside_policy(kids, anchor)
    return planted


def settle_discharges(kids: list[Kid], anchor: date) -> None:
    """A child with nothing booked from the as-of date on was discharged after the last visit, so an open plan
    of care with no future visit exists only where a family cancels (the plant)."""
    for kid in kids:
        if kid.discharge >= anchor and not any(a.day >= anchor for a in kid.appts):
            kid.discharge = max((a.day for a in kid.appts), default=anchor - timedelta(days=1))


def _attendance_window(kid: Kid, anchor: date) -> list:
    start = anchor - timedelta(days=ATTENDANCE_WINDOW_DAYS - 1)
    return sorted((a for a in kid.appts if start <= a.day <= anchor and a.status in COUNTED), key=lambda a: a.day)


def plant_attendance(rng: random.Random, kids: list[Kid], planted_ids: set[str], anchor: date) -> list[dict]:
    """One child in care through the booking window misses every third visit of the policy's 60 days (no-shows)
    and keeps the rest: about 67% kept, well under 85%."""
    candidates = sorted(
        (
            k
            for k in kids
            if k.patient_id not in planted_ids
            and k.planted is None
            and k.discharge > anchor + timedelta(days=WINDOW_DAYS)
            and k.start < anchor - timedelta(days=ATTENDANCE_WINDOW_DAYS)
            and len(_attendance_window(k, anchor)) >= 8
        ),
        key=lambda k: k.patient_id,
    )
    if not candidates:
        raise AssertionError("no child in care to plant the attendance problem on")
    kid = rng.choice(candidates)
    kid.planted = "attendance_below_policy"
    counted = _attendance_window(kid, anchor)
    for n, appt in enumerate(counted):
        appt.status = "no_show" if n % 3 == 1 else "arrived"
    no_shows = sum(1 for a in counted if a.status == "no_show")
    return [{"patient_id": kid.patient_id, "kept": len(counted) - no_shows, "counted": len(counted)}]


def keep_families_inside_policy(kids: list[Kid], anchor: date) -> None:
    """Sizing only (the ground truth never reads it): a family other than the planted one whose misses in the
    policy's 60 days would bring it near 85% kept gave notice for the oldest of them instead (cancelled)."""
    for kid in kids:
        if kid.planted == "attendance_below_policy" or not any(a.day > anchor for a in kid.appts):
            continue
        counted = _attendance_window(kid, anchor)
        kept = sum(1 for a in counted if a.status == "arrived")
        misses = [a for a in counted if a.status != "arrived"]
        while misses and kept < NATURAL_MIN_KEPT_SHARE * (kept + len(misses)):
            misses.pop(0).status = "cancelled"


def plan_location(
    seed: int,
    location_index: int,
    location_id: str,
    providers,
    kids: list[Kid],
    planted_ids: set[str],
    anchor: date,
    npis: NpiIssuer,
    attendance: list[dict],
) -> LocationPlan:
    """Fix the templates' hours, then open some: one family cancels everything ahead, one Medicaid child's
    late-window visits move to a new hire (before anything is written)."""
    rng = random.Random(f"{seed}:sched:{location_index}")
    plan = LocationPlan(rng, regular_cells=_regular_cells(providers, kids, anchor), attendance=attendance)
    planted_ids = planted_ids | {k.patient_id for k in kids if k.planted is not None}
    plan.dropped_kid = _drop_future_visits(
        random.Random(f"{seed}:sched-drop:{location_index}"), kids, planted_ids, anchor
    )
    late_start = anchor + timedelta(days=15)

    def late_visits(k: Kid) -> list:
        return [a for a in k.appts if a.status == "scheduled" and a.kind == "treatment" and a.day >= late_start]

    candidates = sorted(
        (
            k
            for k in kids
            if k.patient_id not in planted_ids
            and k is not plan.dropped_kid
            and k.payer.is_medicaid
            and len(late_visits(k)) >= 2
            # its hours are template hours, so moving its visits opens them
            and all((a.day.weekday(), a.hour) in plan.regular_cells[k.provider.provider_id] for a in late_visits(k))
        ),
        key=lambda k: k.patient_id,
    )
    if not candidates:
        return plan
    kid = rng.choice(candidates)
    mine = NpiIssuer(rng)
    mine.used = npis.used  # never reuse an NPI issued to anyone else
    plan.new_hire_id = f"PR-{location_id}-90"
    plan.new_hire_npi = mine.issue()
    plan.moved_kid = kid
    kid.planted = "moved_to_new_hire"
    plan.old_provider_id = kid.provider.provider_id
    from .model import Provider

    new_hire = Provider(
        plan.new_hire_id,
        plan.new_hire_npi,
        rng.choice(FIRST_NAMES),
        rng.choice(LAST_NAMES),
        "OTR",
        None,
        location_id,
        anchor - timedelta(days=21),
    )
    for appt in kid.appts:
        if appt.status == "scheduled" and appt.kind == "treatment" and appt.day >= late_start:
            appt.provider = new_hire
            plan.moved_cells.append((appt.day, appt.hour))
            plan.new_hire_cells.add((appt.day.weekday(), appt.hour))
    plan.new_hire = new_hire
    return plan


def _drop_future_visits(rng: random.Random, kids: list[Kid], planted_ids: set[str], anchor: date) -> Kid | None:
    """A commercial child (no authorization to disturb) in care whose family cancels every visit booked from
    the as-of date on, with notice: the plan of care stays open and nothing is booked."""
    candidates = sorted(
        (
            k
            for k in kids
            if k.patient_id not in planted_ids
            and not k.payer.needs_authorization
            and any(p.status == "active" and p.end >= anchor for p in k.plans[-1:])
            and sum(1 for a in k.appts if a.day >= anchor and a.status == "scheduled") >= 2
            and all(a.kind == "treatment" for a in k.appts if a.day >= anchor)
        ),
        key=lambda k: k.patient_id,
    )
    if not candidates:
        return None
    kid = rng.choice(candidates)
    kid.planted = "cancelled_everything_ahead"
    for appt in kid.appts:
        if appt.day >= anchor and appt.status == "scheduled":
            appt.status = "cancelled"
    return kid


def _runs(hours: list[int]) -> list[list[int]]:
    """Consecutive hours grouped: [8, 9, 11] -> [[8, 9], [11]]."""
    runs: list[list[int]] = []
    for hour in hours:
        if runs and runs[-1][-1] == hour - 1:
            runs[-1].append(hour)
        else:
            runs.append([hour])
    return runs


def _templates(location_id: str, time_zone: str, plan: LocationPlan, history_start: date) -> list[dict]:
    """One template per therapist, weekday and block of consecutive regular hours; the new hire's block is
    its booked hours and one more hour nobody is booked in."""
    cells = {pid: set(c) for pid, c in plan.regular_cells.items()}
    if plan.new_hire_id:
        cells[plan.new_hire_id] = set(plan.new_hire_cells)
    rows = []
    for provider_id in sorted(cells):
        for wd in range(5):
            hours = sorted(h for d, h in cells[provider_id] if d == wd)
            if not hours:
                continue
            if provider_id == plan.new_hire_id:
                hours = sorted({max(8, hours[0] - 1), *range(hours[0], hours[-1] + 1)})
            for run in _runs(hours):
                rows.append(
                    {
                        "template_id": f"TM-{provider_id[3:]}-{WEEKDAYS[wd]}-{run[0]:02d}",
                        "provider_id": provider_id,
                        "location_id": location_id,
                        "weekday": WEEKDAYS[wd],
                        "start_time": f"{run[0]:02d}:00",
                        "end_time": f"{run[-1] + 1:02d}:00",
                        "slot_minutes": 60,
                        "service_line": "ot_peds",
                        "timezone": time_zone,
                        "effective_date": history_start - timedelta(days=30)
                        if provider_id != plan.new_hire_id
                        else plan.new_hire.hire_date,
                        "end_date": None,
                    }
                )
    return rows


def write_location(
    writers,
    location: dict,
    providers,
    kids: list[Kid],
    plan: LocationPlan,
    anchor: date,
    history_start: date,
    truth: dict,
) -> None:
    """Write templates, the new hire and the planted waitlist child; add this location's ground truth."""
    loc_id = location["location_id"]
    rng = plan.rng
    # The templates' hours, fixed after every area has moved its children: the cells the plants opened count.
    booked = _booked_cells(kids)
    last_day = anchor + timedelta(days=WINDOW_DAYS)
    moved_open = [(d, h) for d, h in plan.moved_cells if d <= last_day and (plan.old_provider_id, d, h) not in booked]
    cancelled_open = [
        a
        for a in (plan.dropped_kid.appts if plan.dropped_kid else [])
        if a.status == "cancelled"
        and anchor < a.day <= last_day
        and (a.provider.provider_id, a.day, a.hour) not in booked
    ]
    opened = {(plan.old_provider_id, d, h) for d, h in moved_open} | {
        (a.provider.provider_id, a.day, a.hour) for a in cancelled_open
    }
    plan.regular_cells = _regular_cells(providers, kids, anchor, frozenset(opened))
    templates = _templates(loc_id, location["time_zone"], plan, history_start)
    for row in templates:
        writers["schedule_templates"].write(row)
    area = truth.setdefault(
        "scheduling",
        {
            "open_slots": [],
            "planted_matches": [],
            "planted_no_matches": [],
            "booking_mismatches": [],
            "attendance_below_policy": [],
            "open_plan_no_future_visit": [],
        },
    )
    if plan.new_hire_id:
        _write_new_hire(writers, plan, loc_id, anchor, rng)
    waiting = _write_planted_waitlist(writers, location, plan, anchor, rng) if plan.moved_kid else {}

    def slot(provider_id: str, day: date, hour: int, planted: str) -> dict:
        row = {"location_id": loc_id, "provider_id": provider_id, "slot_date": day.isoformat(), "hour": hour}
        area["open_slots"].append({**row, "planted": planted})
        return row

    if plan.moved_kid:
        for day, hour in moved_open:
            area["planted_matches"].append(
                {
                    **slot(plan.old_provider_id, day, hour, "moved_to_new_hire"),
                    "top_waitlist_id": waiting["fits"],
                    "excluded": [{"waitlist_id": waiting["no_authorization"], "reason": "no_authorization"}],
                }
            )
        moved = set(plan.moved_cells)
        for day in window_days(anchor):
            for row in templates:
                if row["provider_id"] != plan.new_hire_id or row["weekday"] != WEEKDAYS[day.weekday()]:
                    continue
                for hour in range(int(row["start_time"][:2]), int(row["end_time"][:2])):
                    if (day, hour) not in moved:
                        area["planted_no_matches"].append(
                            {
                                **slot(plan.new_hire_id, day, hour, "new_hire_unbooked"),
                                "reason": "no_credentialed_therapist_for_payer",
                            }
                        )
        for appt in plan.moved_kid.appts:
            if appt.provider.provider_id == plan.new_hire_id:
                area["booking_mismatches"].append(
                    {
                        "appointment_id": appt.appointment_id,
                        "location_id": loc_id,
                        "provider_id": plan.new_hire_id,
                        "patient_id": plan.moved_kid.patient_id,
                        "payer_id": plan.moved_kid.payer.payer_id,
                        "date": appt.day.isoformat(),
                        "reason": "provider_not_enrolled",
                    }
                )
    if plan.dropped_kid:
        kid = plan.dropped_kid
        for appt in cancelled_open:
            slot(appt.provider.provider_id, appt.day, appt.hour, "cancelled_not_refilled")
        area["open_plan_no_future_visit"].append(
            {
                "patient_id": kid.patient_id,
                "location_id": loc_id,
                "plan_end_date": kid.plans[-1].end.isoformat(),
                "planted": True,
            }
        )
    area["attendance_below_policy"].extend({**row, "location_id": loc_id} for row in plan.attendance)


def _write_new_hire(writers, plan: LocationPlan, loc_id: str, anchor: date, rng: random.Random) -> None:
    p = plan.new_hire
    writers["providers"].write(
        {
            "provider_id": p.provider_id,
            "npi": p.npi,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "credential_type": "OTR",
            "supervising_provider_id": None,
            "primary_location_id": loc_id,
            "taxonomy_code": OT_TAXONOMY,
            "hire_date": p.hire_date,
            "termination_date": None,
        }
    )
    for ctype, days in (
        ("state_license", 730),
        ("nbcot_certification", 1095),
        ("cpr_bls", 730),
        ("hipaa_training", 365),
        ("caqh_attestation", 120),
        ("liability_insurance", 365),
    ):
        # Issued within the last 20 days: even the 120-day CAQH attestation stays clear of every reminder tier.
        issued = anchor - timedelta(days=rng.randint(10, 20))
        writers["credentials"].write(
            {
                "credential_id": f"CR-{p.provider_id[3:]}-{ctype}",
                "provider_id": p.provider_id,
                "credential_type": ctype,
                "identifier": {
                    "state_license": f"TX-OT-{rng.randrange(10**5, 10**6)}",
                    "nbcot_certification": f"NBCOT-{rng.randrange(10**6, 10**7)}",
                }.get(ctype),
                "issuing_state": "TX" if ctype == "state_license" else None,
                "issued_date": issued,
                "expiration_date": issued + timedelta(days=days),
                "status": "active",
            }
        )
    for payer in PAYERS:
        # A new hire three weeks in: every payer enrollment is still pending (they take months).
        pending = True
        writers["payer_enrollments"].write(
            {
                "enrollment_id": f"EN-{p.provider_id[3:]}-{payer.payer_id}",
                "provider_id": p.provider_id,
                "payer_id": payer.payer_id,
                "location_id": loc_id,
                "status": "pending" if pending else "enrolled",
                "effective_date": None if pending else p.hire_date,
                "termination_date": None,
            }
        )
    day = p.hire_date
    while day < anchor:
        if is_clinic_day(day):
            period = PAY_PERIOD_EPOCH + timedelta(days=14 * ((day - PAY_PERIOD_EPOCH).days // 14))
            writers["timesheets"].write(
                {
                    "timesheet_id": f"TS-{p.provider_id[3:]}-{day:%Y%m%d}-A",
                    "provider_id": p.provider_id,
                    "location_id": loc_id,
                    "work_date": day,
                    "pay_period_start": period,
                    "pay_period_end": period + timedelta(days=13),
                    "hours": 8,
                    "hours_type": "admin",
                }
            )
        day += timedelta(days=1)


def _write_planted_waitlist(writers, location: dict, plan: LocationPlan, anchor: date, rng: random.Random) -> dict:
    """Two children asking for exactly the opened therapist, weekdays and time: a commercial child (no
    authorization needed) who fits, and a child of the moved child's Medicaid plan, waiting longer, with no
    authorization (excluded: the therapist is enrolled with the plan, but nothing authorizes the visit).
    Returns their waitlist ids: {"fits": ..., "no_authorization": ...}."""
    fits = _write_waiting_child(writers, location, plan, anchor, rng, 1, PAYERS_BY_ID["COMM1"], PLANTED_WAIT_DAYS)
    excluded = _write_waiting_child(
        writers, location, plan, anchor, rng, 2, plan.moved_kid.payer, PLANTED_WAIT_DAYS + 30
    )
    return {"fits": fits, "no_authorization": excluded}


def _write_waiting_child(
    writers, location: dict, plan: LocationPlan, anchor: date, rng: random.Random, number: int, payer, waited: int
) -> str:
    loc_id = location["location_id"]
    day, hour = plan.moved_cells[0]
    patient_id = f"PT-{loc_id}-W{number:04d}"
    last = rng.choice(LAST_NAMES)
    writers["patients"].write(
        {
            "patient_id": patient_id,
            "location_id": loc_id,
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": last,
            "date_of_birth": anchor - timedelta(days=365 * 6 + rng.randint(0, 300)),
            "sex": rng.choice("FM"),
            "guardian_name": f"{rng.choice(FIRST_NAMES)} {last}",
            "guardian_phone": f"(512) 555-{rng.randrange(10000):04d}",
            "zip": location["zip"],
            "primary_care_physician_npi": None,
        }
    )
    writers["coverages"].write(
        {
            "coverage_id": f"CV-{patient_id[3:]}-1",
            "patient_id": patient_id,
            "payer_id": payer.payer_id,
            "payer_name": payer.payer_name,
            "plan_name": payer.plan_name,
            "payer_type": payer.payer_type,
            "member_id": _member_id(payer.payer_id, rng),
            "priority": 1,
            "is_medicaid": payer.is_medicaid,
            "effective_date": anchor - timedelta(days=400),
            "termination_date": None,
        }
    )
    waitlist_id = f"WL-{loc_id}-P{number:02d}"
    writers["waitlist"].write(
        {
            "waitlist_id": waitlist_id,
            "patient_id": patient_id,
            "location_id": loc_id,
            "service_line": "ot_peds",
            "payer_id": payer.payer_id,
            "added_date": anchor - timedelta(days=waited),
            "preferred_days": "|".join(WEEKDAYS[wd] for wd in sorted({d.weekday() for d, _ in plan.moved_cells})),
            "preferred_time": "morning" if hour < 12 else "afternoon",
            "preferred_provider_id": plan.old_provider_id,
            "status": "waiting",
        }
    )
    return waitlist_id


def top_up_waitlist(
    writers, location: dict, providers, seed: int, location_index: int, anchor: date, target_total: int
) -> int:
    """Scale knob (--waitlist-size): add waiting children (patient, coverage, waitlist entry) until the group's
    waitlist holds target_total * (this location's share so far) entries. They waited less than the planted
    child, so every planted match stays first. Own random stream: the rest of the data is unchanged.
    Returns how many were added."""
    waitlist = writers["waitlist"]
    missing = max(0, target_total - waitlist.rows)
    if missing == 0:
        return 0
    loc_id = location["location_id"]
    rng = random.Random(f"{seed}:sched-wait:{location_index}")
    payer_ids = [payer_id for payer_id, _ in PAYER_MIX]
    weights = [weight for _, weight in PAYER_MIX]
    for n in range(1, missing + 1):
        payer = PAYERS_BY_ID[rng.choices(payer_ids, weights)[0]]
        patient_id = f"PT-{loc_id}-X{n:05d}"
        last = rng.choice(LAST_NAMES)
        writers["patients"].write(
            {
                "patient_id": patient_id,
                "location_id": loc_id,
                "first_name": rng.choice(FIRST_NAMES),
                "last_name": last,
                "date_of_birth": anchor - timedelta(days=365 * rng.randint(2, 12) + rng.randint(0, 364)),
                "sex": rng.choice("FM"),
                "guardian_name": f"{rng.choice(FIRST_NAMES)} {last}",
                "guardian_phone": f"(512) 555-{rng.randrange(10000):04d}",
                "zip": location["zip"],
                "primary_care_physician_npi": None,
            }
        )
        writers["coverages"].write(
            {
                "coverage_id": f"CV-{patient_id[3:]}-1",
                "patient_id": patient_id,
                "payer_id": payer.payer_id,
                "payer_name": payer.payer_name,
                "plan_name": payer.plan_name,
                "payer_type": payer.payer_type,
                "member_id": f"WX{rng.randrange(10**8, 10**9)}",
                "priority": 1,
                "is_medicaid": payer.is_medicaid,
                "effective_date": anchor - timedelta(days=rng.randint(30, 700)),
                "termination_date": None,
            }
        )
        days = sorted(rng.sample(range(5), rng.randint(1, 3)))
        waitlist.write(
            {
                "waitlist_id": f"WL-{loc_id}-X{n:05d}",
                "patient_id": patient_id,
                "location_id": loc_id,
                "service_line": "ot_peds",
                "payer_id": payer.payer_id,
                "added_date": anchor - timedelta(days=rng.randint(1, PLANTED_WAIT_DAYS - 1)),
                "preferred_days": "|".join(WEEKDAYS[d] for d in days) if rng.random() < 0.85 else None,
                "preferred_time": rng.choice(("morning", "afternoon", "afternoon", "evening", "any")),
                "preferred_provider_id": rng.choice(providers).provider_id if rng.random() < 0.3 else None,
                "status": "waiting",
            }
        )
    return missing
