"""Front-office data with planted problems: 271 eligibility responses (and the CSV form of them for one
location), and the ground truth of what the front-office rules must find.

Runs once after every other extract is written, reading back what the rest of the generator wrote
(appointments, coverages, authorizations). That keeps it independent of
how the other modules build their rows: whatever is on the schedule in the sweep window gets a check.

Planted, per location, on children with a visit in the eligibility lookahead (none of them carries an
authorization leak or near-miss planted by the authorization module):
- ``inactive_coverage``: the 271 says EB01 = 6 (inactive);
- ``plan_change``: a Medicaid child whose state 271 names another managed-care organization (2120C Y2);
- ``other_payer``: EB01 = R names a commercial payer that is not on file;
- ``visit_limit_reached``: EB01 = F for OT (AD) with 0 visits remaining (EB06 = 29);
- ``check_rejected``: a commercial or TRICARE payer answered with AAA 72 (invalid member id);
- ``stale_check`` / ``no_check``: a commercial or TRICARE child whose last check is older than the payer
  window, or who was never checked; ``fresh_enough`` is the near-miss a day inside the window.
Every other child was checked the evening before the extract. The truth of the checks due records those
facts: the plant on each of the child's visits, and the morning-of recheck of a Medicaid visit on the
extract's own day.
An approved authorization active on the as-of date of a child whose coverage went inactive or moved to
another plan is expected as ``authorization_invalidated``.

Windows come from dbt/seeds/front_office_eligibility_rules.csv (the generator needs them only to put each
check on the right side of its window).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from core.settings import FRONT_OFFICE_DEFAULTS
from dagster_project.contracts import EligibilityCheck, VisitNote

from . import seed_values
from .csv_out import ContractWriter
from .reference import GROUP_X12_ID, PAYERS, PAYERS_BY_ID, TIMED_CODES
from .units import total_timed_units

# dbt/seeds/front_office_eligibility_rules.csv: window hours by payer type and payer, day-of-visit recheck.
ELIGIBILITY_WINDOW_HOURS, ELIGIBILITY_WINDOW_OVERRIDES = seed_values.eligibility_window_hours()
DAY_OF_VISIT_RECHECK = seed_values.day_of_visit_recheck_payer_types()
LOOKAHEAD_HOURS = FRONT_OFFICE_DEFAULTS["RCM_ELIGIBILITY_LOOKAHEAD_HOURS"]
STATE_MEDICAID_X12 = "TXMCD"  # the state answers Medicaid 271s and names the MCO in 2120C
CSV_LOCATION_EVERY = 3  # every third location's eligibility system exports CSV instead of X12 (else the last)

CONTENT_PLANTS = ("inactive_coverage", "plan_change", "other_payer", "visit_limit_reached", "check_rejected")
WINDOW_PLANTS = ("stale_check", "no_check", "fresh_enough")
COVERAGE_CHANGE_PLANTS = ("inactive_coverage", "plan_change", "other_payer", "visit_limit_reached")  # a 271 answered
ENDS_COVERAGE = ("inactive_coverage", "plan_change")  # the plants that void the child's authorizations


def window_hours(payer_id: str) -> int:
    payer = PAYERS_BY_ID[payer_id]
    return ELIGIBILITY_WINDOW_OVERRIDES.get(payer_id, ELIGIBILITY_WINDOW_HOURS[payer.payer_type])


# The window plants rely on these payers' windows covering the whole look-ahead (see _planted_check_reason).
LONG_WINDOW_TYPES = ("commercial", "tricare")
if min(window_hours(p.payer_id) for p in PAYERS if p.payer_type in LONG_WINDOW_TYPES) <= LOOKAHEAD_HOURS:
    raise ValueError(
        "front_office_eligibility_rules: commercial and tricare windows must be longer than the eligibility "
        f"look-ahead ({LOOKAHEAD_HOURS} h) for the generator's window plants"
    )


@dataclass
class UpcomingVisit:
    appointment_id: str
    patient_id: str
    location_id: str
    start: datetime  # naive UTC
    local_day: date  # the visit's date at its location


@dataclass
class Check:
    patient_id: str
    location_id: str
    payer_id: str  # the coverage on file
    member_id: str
    checked_at: datetime
    status: str = "active"  # active | inactive | rejected
    reported_plan_payer_id: str | None = None
    other_payer_name: str | None = None
    visits_remaining: int | None = None


def _read(out: Path, source: str, entity: str) -> list[dict]:
    rows: list[dict] = []
    for path in sorted((out / source).glob(f"{entity}*.csv")):
        stem = path.stem
        if stem != entity and not stem.startswith(entity + "_"):
            continue
        with path.open(newline="", encoding="utf-8") as f:
            rows.extend(csv.DictReader(f))
    return rows


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def generate(
    seed: int, anchor: date, out: Path, truth: dict, note_documentation: dict[tuple[str, str], dict] | None = None
) -> dict:
    """Write the front-office extracts and add truth["front_office"]; returns row counts. note_documentation:
    (visit_id, cpt) -> the note's time-block / separate-session columns another area planted."""
    out = Path(out)
    rng = random.Random(f"{seed}:front_office")
    clearinghouse = out / "clearinghouse"
    clearinghouse.mkdir(parents=True, exist_ok=True)
    for old in clearinghouse.glob("eligibility_*.x12"):
        old.unlink()
    as_of_ts = datetime(anchor.year, anchor.month, anchor.day)  # the group's extract day
    zones = {r["location_id"]: ZoneInfo(r["time_zone"]) for r in _read(out, "ehr", "locations")}
    # Each location's as-of moment is 00:00 local time on the anchor date, as naive UTC.
    location_as_of = {
        loc: datetime(anchor.year, anchor.month, anchor.day, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        for loc, zone in zones.items()
    }
    auth_planted = {leak["authorization_id"] for leak in truth.get("auth_leaks", [])} | {
        miss["authorization_id"] for miss in truth.get("auth_near_misses", [])
    }

    coverages = [c for c in _read(out, "ehr", "coverages") if c["priority"] == "1"]
    primary = {c["patient_id"]: c for c in coverages}
    auths = _read(out, "ehr", "authorizations")
    auth_patients_planted = {a["patient_id"] for a in auths if a["authorization_id"] in auth_planted}
    active_auths: dict[str, list[str]] = {}
    for a in auths:
        if a["status"] == "approved" and date.fromisoformat(a["start_date"]) <= anchor <= date.fromisoformat(
            a["end_date"]
        ):
            active_auths.setdefault(a["patient_id"], []).append(a["authorization_id"])

    def local_day(start: datetime, location_id: str) -> date:
        return start.replace(tzinfo=UTC).astimezone(zones[location_id]).date()

    def in_lookahead(a: dict) -> bool:
        start = location_as_of[a["location_id"]]
        return start <= _ts(a["scheduled_start_at"]) < start + timedelta(hours=LOOKAHEAD_HOURS)

    upcoming = sorted(
        (
            UpcomingVisit(
                a["appointment_id"],
                a["patient_id"],
                a["location_id"],
                _ts(a["scheduled_start_at"]),
                local_day(_ts(a["scheduled_start_at"]), a["location_id"]),
            )
            for a in _read(out, "ehr", "appointments")
            if a["status"] == "scheduled" and in_lookahead(a) and a["patient_id"] in primary
        ),
        key=lambda v: (v.location_id, v.start, v.appointment_id),
    )
    by_patient: dict[str, list[UpcomingVisit]] = {}
    for v in upcoming:
        by_patient.setdefault(v.patient_id, []).append(v)

    plants: dict[str, str] = {}
    for location_id in sorted({v.location_id for v in upcoming}):
        patients = sorted(
            p for p, vs in by_patient.items() if vs[0].location_id == location_id and p not in auth_patients_planted
        )
        rng.shuffle(patients)
        _choose(plants, patients, primary, by_patient, active_auths, location_as_of[location_id])

    checks: list[Check] = []
    expected_due: dict[str, str] = {}
    expected_changes: dict[str, dict] = {}
    for patient_id, visits in sorted(by_patient.items()):
        coverage = primary[patient_id]
        payer_id = coverage["payer_id"]
        plant = plants.get(patient_id)
        first = visits[0]
        # The clearinghouse batch runs the evening before the extract (16:00-17:59 clinic time).
        nightly = location_as_of[first.location_id] - timedelta(hours=rng.randint(1, 2), minutes=rng.randrange(60))
        check = Check(patient_id, first.location_id, payer_id, coverage["member_id"], nightly)
        if PAYERS_BY_ID[payer_id].payer_type == "medicaid_mco":
            check.reported_plan_payer_id = payer_id
        if plant == "no_check":
            check = None
        elif plant == "stale_check":
            check.checked_at = first.start - timedelta(hours=window_hours(payer_id) + 24)
        elif plant == "fresh_enough":
            check.checked_at = first.start - timedelta(hours=window_hours(payer_id) - 24)
        elif plant == "inactive_coverage":
            check.status = "inactive"
        elif plant == "plan_change":
            others = [p.payer_id for p in PAYERS if p.payer_type == "medicaid_mco" and p.payer_id != payer_id]
            check.reported_plan_payer_id = rng.choice(others)
        elif plant == "other_payer":
            check.other_payer_name = "Prairie Mutual Insurance"  # a commercial payer the family never told us of
        elif plant == "visit_limit_reached":
            check.visits_remaining = 0
        elif plant == "check_rejected":
            check.status = "rejected"
        if check is not None:
            checks.append(check)
        for v in visits:
            reason = _planted_check_reason(plant, payer_id, v, anchor)
            if reason:
                expected_due[v.appointment_id] = reason
        if plant in COVERAGE_CHANGE_PLANTS:
            # The approved authorizations running on the as-of date die with the coverage they were issued under.
            invalidated = sorted(active_auths.get(patient_id, [])) if plant in ENDS_COVERAGE else []
            problems = [plant, "authorization_invalidated"] if invalidated else [plant]
            expected_changes[patient_id] = {
                "patient_id": patient_id,
                "location_id": first.location_id,
                "payer_id": payer_id,
                "problems": sorted(problems),
                "invalidated_authorization_ids": invalidated,
            }

    counts = _write_checks(checks, out, clearinghouse, as_of_ts)
    area = truth.setdefault("front_office", {})
    referrals = area.setdefault("referrals", {})  # written by intake.py as each referral was planted
    for rows in referrals.values():
        rows.sort(key=lambda r: r if isinstance(r, str) else (r["referral_id"], r.get("document_type", "")))
    area |= {
        "as_of_date": anchor.isoformat(),
        "eligibility": {
            "lookahead_appointment_ids": sorted(v.appointment_id for v in upcoming),
            "planted": dict(sorted(plants.items())),
            "checks_due": dict(sorted(expected_due.items())),
            "coverage_changes": [expected_changes[p] for p in sorted(expected_changes)],
        },
        "notes": _write_notes(out, anchor, rng, location_as_of, zones, note_documentation or {}),
    }
    return counts


def _choose(plants, patients, primary, by_patient, active_auths, as_of_ts) -> None:
    """One child per plant kind at this location, where a fitting child exists."""
    taken: set[str] = set()

    def payer_type(p):
        return PAYERS_BY_ID[primary[p]["payer_id"]].payer_type

    def window_open(p):
        start = by_patient[p][0].start
        return start - timedelta(hours=window_hours(primary[p]["payer_id"])) <= as_of_ts - timedelta(hours=24)

    wants = {
        "plan_change": lambda p: payer_type(p) == "medicaid_mco" and p in active_auths,
        "inactive_coverage": lambda p: True,
        "other_payer": lambda p: True,
        "visit_limit_reached": lambda p: True,
        # Window plants and the rejected answer go to payers whose window is longer than the look-ahead (open for
        # every booked visit) and which want no morning-of recheck, so each of the child's visits shows that plant.
        "check_rejected": lambda p: payer_type(p) in LONG_WINDOW_TYPES,
        "stale_check": lambda p: payer_type(p) in LONG_WINDOW_TYPES and window_open(p),
        "no_check": lambda p: payer_type(p) in LONG_WINDOW_TYPES and window_open(p),
        "fresh_enough": lambda p: payer_type(p) in LONG_WINDOW_TYPES and window_open(p),
    }
    for kind in (*CONTENT_PLANTS, *WINDOW_PLANTS):
        for p in patients:
            if p not in taken and wants[kind](p):
                taken.add(p)
                plants[p] = kind
                break


def _planted_check_reason(plant: str | None, payer_id: str, visit: UpcomingVisit, anchor: date) -> str | None:
    """The check problem the generator set up for this visit, from what it planted (not the sweep's rule): a
    window plant or a rejected answer shows on every visit of the child (its payer's window is open for the
    whole look-ahead); every other child was checked the evening before the extract, which is current for
    every window, so only a Medicaid visit on the extract's own day still wants its morning-of check."""
    if plant in ("no_check", "stale_check", "check_rejected"):
        return plant
    if PAYERS_BY_ID[payer_id].payer_type in DAY_OF_VISIT_RECHECK and visit.local_day == anchor:
        return "day_of_visit_recheck"
    return None


# -- writing -----------------------------------------------------------------------------------------


def _write_checks(checks: list[Check], out: Path, clearinghouse: Path, as_of_ts: datetime) -> dict:
    # Every third location exports CSV; with fewer than three locations, the last one does.
    locations = sorted({c.location_id for c in checks})
    csv_locations = {loc for loc in locations if int(loc[1:]) % CSV_LOCATION_EVERY == 0} or set(locations[-1:])
    csv_checks = [c for c in checks if c.location_id in csv_locations]
    x12_checks = [c for c in checks if c.location_id not in csv_locations]
    writer = ContractWriter(out, EligibilityCheck)
    for n, c in enumerate(csv_checks, start=1):
        writer.write(
            {
                "eligibility_check_id": f"EC-{c.location_id}-{n:05d}",
                "patient_id": c.patient_id,
                "payer_id": c.payer_id,
                "checked_at": c.checked_at,
                "coverage_status": c.status,
                "reported_plan_payer_id": c.reported_plan_payer_id,
                "other_payer_name": c.other_payer_name,
                "ot_visits_remaining": c.visits_remaining,
                "reject_reason_code": "72" if c.status == "rejected" else None,
            }
        )
    writer.close()
    batches: dict[tuple[str, str], list[Check]] = {}
    for c in x12_checks:
        payer = PAYERS_BY_ID[c.payer_id]
        source = STATE_MEDICAID_X12 if payer.is_medicaid else payer.x12_payer_id
        batches.setdefault((c.location_id, source), []).append(c)
    for control, ((location_id, source), items) in enumerate(sorted(batches.items()), start=1):
        text = render_271(source, items, control, as_of_ts - timedelta(hours=1))
        (clearinghouse / f"eligibility_{location_id.lower()}_{source.lower()}_{as_of_ts:%Y%m%d}.x12").write_text(
            text, encoding="ascii"
        )
    return {
        "eligibility_checks_csv": writer.rows,
        "eligibility_271_files": len(batches),
        "eligibility_271_responses": len(x12_checks),
    }


def _payer_name(x12_id: str) -> str:
    if x12_id == STATE_MEDICAID_X12:
        return "TEXAS MEDICAID"
    return next(p.payer_name for p in PAYERS if p.x12_payer_id == x12_id).upper()


def render_271(source_x12: str, checks: list[Check], control: int, created: datetime) -> str:
    """One 271 interchange (005010X279A1) answering a batch of checks, one transaction per check so each
    carries its own response time (BHT04/05); EB03 repeats with '^' (ISA11)."""
    transactions = []
    for st_number, c in enumerate(checks, start=1):
        payer = PAYERS_BY_ID[c.payer_id]
        at = c.checked_at
        body = [
            f"ST*271*{st_number:04d}*005010X279A1",
            f"BHT*0022*11*B{control:05d}{st_number:04d}*{at:%Y%m%d}*{at:%H%M}",
            "HL*1**20*1",
            f"NM1*PR*2*{_payer_name(source_x12)}*****PI*{source_x12}",
            "HL*2*1*21*1",
            "NM1*1P*2*SUNNY STEPS PEDIATRIC OT*****XX*1234567893",
            "HL*3*2*22*0",
            f"TRN*2*ELG-{c.patient_id}*9{GROUP_X12_ID[:9]}",
            f"NM1*IL*1*MEMBER*SUBSCRIBER****MI*{c.member_id}",
            f"REF*EJ*{c.patient_id}",
        ]
        if c.status == "rejected":
            body.append("AAA*Y**72*C")
        else:
            code = "6" if c.status == "inactive" else "1"
            insurance = "MC" if payer.is_medicaid else ("HM" if payer.claim_filing_indicator == "HM" else "12")
            body.append(f"EB*{code}*IND*30^AD^AE*{insurance}*{payer.plan_name.upper()}")
            if c.reported_plan_payer_id:
                mco = PAYERS_BY_ID[c.reported_plan_payer_id]
                body += ["LS*2120", f"NM1*Y2*2*{mco.payer_name.upper()}*****PI*{mco.x12_payer_id}", "LE*2120"]
            if c.visits_remaining is not None:
                body.append(f"EB*F*IND*AD*{insurance}**29***VS*{c.visits_remaining}")
            if c.other_payer_name:
                body += ["EB*R**30*12", "LS*2120", f"NM1*PRP*2*{c.other_payer_name.upper()}", "LE*2120"]
        body.append(f"SE*{len(body) + 1}*{st_number:04d}")
        transactions += body
    isa = (
        f"ISA*00*          *00*          *ZZ*{'CLEARHOUSE':<15}*ZZ*{GROUP_X12_ID:<15}*"
        f"{created:%y%m%d}*{created:%H%M}*^*00501*{control:09d}*0*P*:"
    )
    segments = [
        isa,
        f"GS*HB*CLEARHOUSE*{GROUP_X12_ID}*{created:%Y%m%d}*{created:%H%M}*{control}*X*005010X279A1",
        *transactions,
        f"GE*{len(checks)}*{control}",
        f"IEA*1*{control:09d}",
    ]
    return "~\n".join(segments) + "~\n"


# -- visit notes -------------------------------------------------------------------------------------------

# payer_rules.csv unit_method (cms_total unless per_code), front_office_note_signing_windows.csv (the
# default window and the payers that allow longer) and the front-office settings' defaults.
PER_CODE_PAYERS = seed_values.per_code_payers()
DEFAULT_SIGNING_HOURS, SIGNING_HOURS_BY_PAYER = seed_values.note_signing_window_hours()
NOTE_AUDIT_LOOKBACK_DAYS = FRONT_OFFICE_DEFAULTS["RCM_NOTE_AUDIT_LOOKBACK_DAYS"]
NOTES_EXPORTED_DAYS = 30  # the EHR exports the last 30 days of notes
# Each planted kind and the audit failures it was built to show (none for the near misses). Every other
# audited visit is written clean: signed inside the window, minutes that support what was billed, goals.
# The signing plants are on the location's clock, an hour either side of the payer's deadline; the 72-hour
# payer's note signed 49 hours after the visit would be late under the default 48 hours (a near miss).
NOTE_PLANTS: dict[str, list[str]] = {
    "signed_49h": ["signed_late"],
    "signed_47h": [],
    "signed_49h_72h_payer": [],
    "signed_73h_72h_payer": ["signed_late"],
    "unsigned": ["unsigned_past_window"],
    "minutes_missing": ["timed_minutes_missing"],
    "units_cms_total": ["units_inconsistent"],
    "units_per_code": ["units_inconsistent"],
    "per_code_only_mismatch": [],
    "cpt_not_documented": ["cpt_not_documented"],
    "no_goals": ["no_goals_addressed"],
}


# signing plant -> (the payer's window it needs, hours after the visit's local end it is signed)
SIGNING_PLANTS: dict[str, tuple[int, int]] = {
    "signed_49h": (DEFAULT_SIGNING_HOURS, DEFAULT_SIGNING_HOURS + 1),
    "signed_47h": (DEFAULT_SIGNING_HOURS, DEFAULT_SIGNING_HOURS - 1),
    "signed_49h_72h_payer": (72, DEFAULT_SIGNING_HOURS + 1),
    "signed_73h_72h_payer": (72, 73),
}


def signing_window_hours(payer_id: str | None) -> int:
    return SIGNING_HOURS_BY_PAYER.get(payer_id or "", DEFAULT_SIGNING_HOURS)


def local_hours_after(end: datetime, hours: int, zone: ZoneInfo) -> datetime:
    """A naive UTC moment `hours` of wall-clock time after `end` at the location (as the note audit counts)."""
    local = end.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None) + timedelta(hours=hours)
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def _fits_signing_plant(kind: str, zone: ZoneInfo, as_of: datetime, x: dict) -> bool:
    """The visit's payer has the plant's window, and the planted signature falls before the extract."""
    window, hours = SIGNING_PLANTS[kind]
    return x["window"] == window and local_hours_after(x["end"], hours, zone) < as_of


def _deadline_passed(as_of: datetime, x: dict) -> bool:
    return x["deadline"] < as_of


def per_code_units(minutes: int) -> int:
    return (minutes + 7) // 15 if minutes >= 8 else 0


def units_consistent(lines: list[tuple[str, int, int]], method: str) -> bool:
    """(cpt, documented minutes, billed units) of a visit's documented timed codes with minutes > 0."""
    timed = [(m, u) for cpt, m, u in lines if cpt in TIMED_CODES and m > 0]
    if method == "per_code":
        return all(per_code_units(m) == u for m, u in timed)
    return total_timed_units(sum(m for m, _ in timed)) == sum(u for _, u in timed)


def _write_notes(
    out: Path,
    anchor: date,
    rng: random.Random,
    location_as_of: dict[str, datetime],
    zones: dict[str, ZoneInfo],
    documentation: dict,
) -> dict:
    appointments = {a["appointment_id"]: a for a in _read(out, "ehr", "appointments")}
    payer_by_coverage = {c["coverage_id"]: c["payer_id"] for c in _read(out, "ehr", "coverages")}
    lines: dict[str, list[tuple[str, int, int]]] = {}
    for line in _read(out, "ehr", "charge_lines"):
        lines.setdefault(line["visit_id"], []).append((line["cpt_code"], int(line["minutes"]), int(line["units"])))
    visits = []
    for v in _read(out, "ehr", "visits"):
        day = date.fromisoformat(v["date_of_service"])
        appt = appointments.get(v["appointment_id"])
        if (
            appt is None
            or v["visit_id"] not in lines
            or not (anchor - timedelta(days=NOTES_EXPORTED_DAYS) <= day < anchor)
        ):
            continue
        end = _ts(appt["scheduled_start_at"]) + timedelta(minutes=int(appt["duration_minutes"]))
        payer_id = payer_by_coverage.get(v["coverage_id"])
        method = "per_code" if payer_id in PER_CODE_PAYERS else "cms_total"
        window = signing_window_hours(payer_id)
        visits.append(
            {
                "visit": v,
                "day": day,
                "end": end,
                "payer_id": payer_id,
                "window": window,
                "deadline": local_hours_after(end, window, zones[v["location_id"]]),
                "method": method,
                "signed": _ts(v["note_signed_at"]) if v["note_signed_at"] else None,
                "lines": sorted(lines[v["visit_id"]], key=lambda line: line[0]),
            }
        )
    visits.sort(key=lambda x: x["visit"]["visit_id"])

    def timed(x):
        return [line for line in x["lines"] if line[0] in TIMED_CODES and line[2] >= 1]

    plants: dict[str, str] = {}
    in_scope = [x for x in visits if x["day"] >= anchor - timedelta(days=NOTE_AUDIT_LOOKBACK_DAYS)]
    for location_id in sorted({x["visit"]["location_id"] for x in in_scope}):
        candidates = [
            x
            for x in in_scope
            if x["visit"]["location_id"] == location_id
            and x["day"] <= anchor - timedelta(days=3)
            and x["signed"] is not None
            and x["signed"] <= x["deadline"]
        ]
        rng.shuffle(candidates)
        zone, as_of = zones[location_id], location_as_of[location_id]
        wants = {
            **{kind: partial(_fits_signing_plant, kind, zone, as_of) for kind in SIGNING_PLANTS},
            "unsigned": partial(_deadline_passed, as_of),
            "minutes_missing": lambda x: len(timed(x)) >= 1,
            "units_cms_total": lambda x: x["method"] == "cms_total" and any(line[1] >= 16 for line in timed(x)),
            "units_per_code": lambda x: x["method"] == "per_code" and len(timed(x)) >= 1,
            "per_code_only_mismatch": lambda x: x["method"] == "cms_total" and len(timed(x)) >= 2,
            "cpt_not_documented": lambda x: len(x["lines"]) >= 2,
            "no_goals": lambda x: True,
        }
        taken: set[str] = set()
        for kind in NOTE_PLANTS:
            for x in candidates:
                if x["visit"]["visit_id"] not in taken and wants[kind](x):
                    taken.add(x["visit"]["visit_id"])
                    plants[x["visit"]["visit_id"]] = kind
                    break

    writer = ContractWriter(out, VisitNote)
    for x in visits:
        v, kind = x["visit"], plants.get(x["visit"]["visit_id"])
        documented = [(cpt, m, u) for cpt, m, u in x["lines"]]
        if not units_consistent(documented, x["method"]):
            # The note supports what was billed (billing mistakes are the claim audit's to find).
            documented = [(cpt, 15 * u if cpt in TIMED_CODES else m, u) for cpt, m, u in documented]
        signed, goals = x["signed"], 1 + rng.randrange(3)
        timed_idx = [i for i, (cpt, _, u) in enumerate(documented) if cpt in TIMED_CODES and u >= 1]
        if kind is None and x["day"] >= anchor - timedelta(days=NOTE_AUDIT_LOOKBACK_DAYS):
            # Clean by construction: signed a few hours after the visit, never after the location's as-of
            # moment (a visit that ended at that moment is not signed yet, and its window is still open).
            as_of_local = location_as_of[v["location_id"]]
            signed = min(x["end"] + timedelta(hours=rng.randint(1, 40)), as_of_local - timedelta(minutes=1))
            signed = signed if signed > x["end"] else None
        if kind in ("minutes_missing", "cpt_not_documented", "per_code_only_mismatch"):
            # Every timed code the plant does not touch documents exactly its billed units (15 min each),
            # so the plant is the visit's only failure under either unit method.
            documented = [(cpt, 15 * u if i in timed_idx else m, u) for i, (cpt, m, u) in enumerate(documented)]
        if kind in SIGNING_PLANTS:
            signed = local_hours_after(x["end"], SIGNING_PLANTS[kind][1], zones[v["location_id"]])
        elif kind == "unsigned":
            signed = None
        elif kind == "minutes_missing":
            cpt, _, u = documented[timed_idx[0]]
            documented[timed_idx[0]] = (cpt, 0, u)
        elif kind == "units_cms_total":
            i = next(i for i in timed_idx if documented[i][1] >= 16)
            cpt, m, u = documented[i]
            documented[i] = (cpt, m - 15, u)
        elif kind == "units_per_code":
            cpt, _, u = documented[timed_idx[0]]
            documented[timed_idx[0]] = (cpt, 15 * u - 8, u)
        elif kind == "per_code_only_mismatch":
            (i, j) = timed_idx[:2]
            documented[i] = (documented[i][0], 15 * documented[i][2] + 7, documented[i][2])
            documented[j] = (documented[j][0], 15 * (documented[j][2] - 1) + 7, documented[j][2])
        elif kind == "cpt_not_documented":
            documented = documented[:-1]
        elif kind == "no_goals":
            goals = 0
        for cpt, minutes, _ in documented:
            writer.write(
                {
                    "visit_id": v["visit_id"],
                    "cpt_code": cpt,
                    "documented_minutes": minutes,
                    "goals_addressed": goals,
                    "note_status": "signed" if signed else "draft",
                    "signed_at": signed,
                    "signed_by_provider_id": v["provider_id"] if signed else None,
                    **documentation.get((v["visit_id"], cpt), {}),
                }
            )
    writer.close()
    failures = {visit_id: NOTE_PLANTS[kind] for visit_id, kind in plants.items() if NOTE_PLANTS[kind]}
    by_id = {x["visit"]["visit_id"]: x for x in visits}
    signing = [
        {
            "visit_id": visit_id,
            "kind": kind,
            "payer_id": by_id[visit_id]["payer_id"],
            "signing_window_hours": SIGNING_PLANTS[kind][0],
            "hours_after_visit_end": SIGNING_PLANTS[kind][1],
            "is_signed_late": bool(NOTE_PLANTS[kind]),
        }
        for visit_id, kind in sorted(plants.items())
        if kind in SIGNING_PLANTS
    ]
    return {
        "planted": dict(sorted(plants.items())),
        "failures": dict(sorted(failures.items())),
        "signing_plants": signing,
        "audited_visit_ids": sorted(x["visit"]["visit_id"] for x in in_scope),
    }
