"""Scheduling data of a location: therapist schedule templates and the planted scheduling problems.

Plants, per location (all recorded under the ground-truth key "scheduling"):

- a new-hire OTR whose Medicaid enrollments are still pending; one Medicaid child's booked visits in the
  last two weeks of the four-week window are moved to that therapist (booking mismatches: provider not
  enrolled with the payer). Their original therapist's hours fall open (gaps with a ranked match), and
  the new hire's own open template hours have no match (no credentialed therapist for the payers waiting);
- a long-waiting commercial child on the waitlist who asks for exactly that therapist, weekday and time:
  the top match of those opened slots;
- a commercial child in care (open plan of care) whose family cancelled every booked visit ahead and booked
  nothing else: a patient with an open plan of care and no future visit (their hours fall open too).

The ground truth is computed here, in Python, from the rows written: every open template slot in the next
four weeks (a slot counts on a day the location has any appointment: holidays drop out), the planted
matches and no-matches, the booking mismatches, every child under the attendance policy and every child with
an open plan of care and nothing booked on or after the as-of date (planted or not).

A separate random stream per location (seed:sched:index) keeps the other areas' data unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from .clinic import NpiIssuer, is_clinic_day
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
    new_hire_id: str | None = None
    new_hire_npi: str | None = None
    moved_kid: Kid | None = None
    moved_cells: list[tuple[date, int]] = field(default_factory=list)  # (day, hour) opened at the old therapist
    old_provider_id: str | None = None
    new_hire_cells: set[tuple[int, int]] = field(default_factory=set)  # (weekday, hour)
    new_hire: object = None
    dropped_kid: Kid | None = None  # cancelled everything booked ahead (open plan, no future visit)


def plan_location(
    seed: int,
    location_index: int,
    location_id: str,
    providers,
    kids: list[Kid],
    planted_ids: set[str],
    anchor: date,
    npis: NpiIssuer,
) -> LocationPlan:
    """Move one Medicaid child's late-window visits to a new hire (before anything is written)."""
    rng = random.Random(f"{seed}:sched:{location_index}")
    plan = LocationPlan(rng)
    plan.dropped_kid = _drop_future_visits(
        random.Random(f"{seed}:sched-drop:{location_index}"), kids, planted_ids, anchor
    )
    late_start = anchor + timedelta(days=15)
    candidates = sorted(
        (
            k
            for k in kids
            if k.patient_id not in planted_ids
            and k.payer.is_medicaid
            and sum(1 for a in k.appts if a.status == "scheduled" and a.kind == "treatment" and a.day >= late_start)
            >= 2
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
    for appt in kid.appts:
        if appt.day >= anchor and appt.status == "scheduled":
            appt.status = "cancelled"
    return kid


def _templates(
    location_id: str, time_zone: str, providers, kids: list[Kid], plan: LocationPlan, history_start: date
) -> list[dict]:
    """One template per therapist and weekday: the block from the first to the last hour booked on it."""
    cells: dict[str, set[tuple[int, int]]] = {p.provider_id: set() for p in providers}
    for kid in kids:
        for appt in kid.appts:
            if appt.kind == "treatment" and appt.provider.provider_id in cells:
                cells[appt.provider.provider_id].add((appt.day.weekday(), appt.hour))
    if plan.new_hire_id:
        cells[plan.new_hire_id] = set(plan.new_hire_cells)
    rows = []
    for provider_id in sorted(cells):
        for wd in range(5):
            hours = sorted(h for d, h in cells[provider_id] if d == wd)
            if not hours:
                continue
            if provider_id == plan.new_hire_id:
                hours = [max(8, hours[0] - 1)] + hours  # one more hour nobody is booked in
            rows.append(
                {
                    "template_id": f"TM-{provider_id[3:]}-{WEEKDAYS[wd]}",
                    "provider_id": provider_id,
                    "location_id": location_id,
                    "weekday": WEEKDAYS[wd],
                    "start_time": f"{hours[0]:02d}:00",
                    "end_time": f"{hours[-1] + 1:02d}:00",
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
    templates = _templates(loc_id, location["time_zone"], providers, kids, plan, history_start)
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
    waiting_id = _write_planted_waitlist(writers, location, plan, anchor, rng) if plan.moved_kid else None

    open_slots = _open_slots(loc_id, templates, kids, anchor)
    area["open_slots"].extend(open_slots)
    if plan.moved_kid:
        opened = {(d.isoformat(), h) for d, h in plan.moved_cells}
        for slot in open_slots:
            if slot["provider_id"] == plan.old_provider_id and (slot["slot_date"], slot["hour"]) in opened:
                area["planted_matches"].append({**slot, "top_waitlist_id": waiting_id})
            elif slot["provider_id"] == plan.new_hire_id:
                area["planted_no_matches"].append({**slot, "reason": "no_credentialed_therapist_for_payer"})
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
    area["attendance_below_policy"].extend(_attendance_below_policy(loc_id, kids, anchor))
    area["open_plan_no_future_visit"].extend(_open_plan_no_future_visit(loc_id, kids, anchor, plan.dropped_kid))


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


def _write_planted_waitlist(writers, location: dict, plan: LocationPlan, anchor: date, rng: random.Random) -> str:
    """A commercial (no authorization needed) child waiting longest for the opened therapist, day and hour."""
    loc_id = location["location_id"]
    day, hour = plan.moved_cells[0]
    patient_id = f"PT-{loc_id}-W0001"
    last = rng.choice(LAST_NAMES)
    payer = PAYERS_BY_ID["COMM1"]
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
            "member_id": f"AX{rng.randrange(10**8, 10**9)}",
            "priority": 1,
            "is_medicaid": False,
            "effective_date": anchor - timedelta(days=400),
            "termination_date": None,
        }
    )
    waitlist_id = f"WL-{loc_id}-P01"
    writers["waitlist"].write(
        {
            "waitlist_id": waitlist_id,
            "patient_id": patient_id,
            "location_id": loc_id,
            "service_line": "ot_peds",
            "payer_id": payer.payer_id,
            "added_date": anchor - timedelta(days=PLANTED_WAIT_DAYS),
            "preferred_days": "|".join(WEEKDAYS[wd] for wd in sorted({d.weekday() for d, _ in plan.moved_cells})),
            "preferred_time": "morning" if hour < 12 else "afternoon",
            "preferred_provider_id": plan.old_provider_id,
            "status": "waiting",
        }
    )
    return waitlist_id


def _open_slots(loc_id: str, templates: list[dict], kids: list[Kid], anchor: date) -> list[dict]:
    booked: set[tuple[str, date, int]] = set()
    open_days: set[date] = set()
    for kid in kids:
        for appt in kid.appts:
            open_days.add(appt.day)
            if appt.status in ("scheduled", "arrived"):
                booked.add((appt.provider.provider_id, appt.day, appt.hour))
    slots = []
    for offset in range(1, WINDOW_DAYS + 1):
        day = anchor + timedelta(days=offset)
        if day not in open_days:
            continue
        for t in templates:
            if t["weekday"] != WEEKDAYS[day.weekday()] or day < t["effective_date"]:
                continue
            for hour in range(int(t["start_time"][:2]), int(t["end_time"][:2])):
                if (t["provider_id"], day, hour) not in booked:
                    slots.append(
                        {
                            "location_id": loc_id,
                            "provider_id": t["provider_id"],
                            "slot_date": day.isoformat(),
                            "hour": hour,
                        }
                    )
    return slots


def _attendance_below_policy(loc_id: str, kids: list[Kid], anchor: date) -> list[dict]:
    """Children still booked ahead whose kept share of arrived + no-show + late-cancelled visits in the
    60 days ending on the as-of date is under 85%, with at least 4 such visits."""
    below = []
    start = anchor - timedelta(days=ATTENDANCE_WINDOW_DAYS - 1)
    for kid in kids:
        if not any(a.status == "scheduled" and a.day > anchor for a in kid.appts):
            continue
        counted = [
            a for a in kid.appts if start <= a.day <= anchor and a.status in ("arrived", "no_show", "late_cancelled")
        ]
        kept = sum(1 for a in counted if a.status == "arrived")
        if len(counted) >= ATTENDANCE_MIN_VISITS and kept / len(counted) < ATTENDANCE_MIN_RATE:
            below.append({"patient_id": kid.patient_id, "location_id": loc_id, "kept": kept, "counted": len(counted)})
    return below


def _open_plan_no_future_visit(loc_id: str, kids: list[Kid], anchor: date, dropped: Kid | None) -> list[dict]:
    """Children whose latest plan of care is active and ends on or after the as-of date, with no visit
    booked (scheduled) on or after it."""
    found = []
    for kid in kids:
        if not kid.plans:
            continue
        latest = max(kid.plans, key=lambda p: (p.start, p.evaluation_date))
        if latest.status != "active" or latest.end < anchor:
            continue
        if any(a.status == "scheduled" and a.day >= anchor for a in kid.appts):
            continue
        found.append(
            {
                "patient_id": kid.patient_id,
                "location_id": loc_id,
                "plan_end_date": latest.end.isoformat(),
                "planted": kid is dropped,
            }
        )
    return found


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
