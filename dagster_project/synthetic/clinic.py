"""Locations, therapists, their weekly schedules, the children who fill them and their appointments."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dagster_project.npi import npi_check_digit

from .attendance_rates import CANCEL_NOTICE_HOURS, LATE_CANCEL_NOTICE_HOURS, family_miss_factor, final_status
from .model import Appt, Kid, Plan, Provider
from .reference import (
    CITIES,
    EVAL_CODES,
    FIRST_NAMES,
    FUNCTIONAL_GOALS,
    ICD10_CODES,
    LAST_NAMES,
    PAYER_MIX,
    PAYERS_BY_ID,
    STREETS,
    clinic_holidays,
)

GROUP_TIME_ZONE = "America/Chicago"  # the group's head office: the extract is taken at its midnight


@lru_cache(maxsize=16384)
def _utc_offset(day: date, time_zone: str) -> timedelta:
    return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(time_zone)).utcoffset()


def local_to_utc(day: date, hour: int, minute: int = 0, time_zone: str = GROUP_TIME_ZONE) -> datetime:
    """Wall-clock time at a location on a day -> naive UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute) - _utc_offset(day, time_zone)


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return clinic_holidays(year)


def is_clinic_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_clinic_day(day: date) -> date:
    while not is_clinic_day(day):
        day += timedelta(days=1)
    return day


class NpiIssuer:
    """Unique, check-digit-valid NPIs from the generator's random stream."""

    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def issue(self) -> str:
        while True:
            base = self.rng.choice("12") + f"{self.rng.randrange(10**8):08d}"
            npi = base + npi_check_digit(base)
            if npi not in self.used:
                self.used.add(npi)
                return npi


def location_row(index: int, npi: str, rng: random.Random) -> dict:
    city, zip_code, time_zone = CITIES[(index - 1) % len(CITIES)]
    suffix = f" {(index - 1) // len(CITIES) + 1}" if index > len(CITIES) else ""
    return {
        "location_id": f"L{index:02d}",
        "location_name": f"Sunny Steps Pediatric Therapy - {city}{suffix}",
        "address_line": f"{100 + index * 37} {rng.choice(STREETS)} St",
        "city": city,
        "state": "TX",
        "zip": zip_code,
        "facility_npi": npi,
        "service_lines": "ot_peds|feeding" if rng.random() < 0.4 else "ot_peds",
        "time_zone": time_zone,
    }


def build_providers(location_id: str, rng: random.Random, npis: NpiIssuer, history_start: date) -> list[Provider]:
    count = rng.randint(3, 6)
    providers: list[Provider] = []
    for n in range(1, count + 1):
        # The first is an OTR so every COTA has a supervisor and every evaluation an evaluator.
        is_cota = n > 1 and rng.random() < 0.35
        supervisor = providers[0].provider_id if is_cota else None
        providers.append(
            Provider(
                provider_id=f"PR-{location_id}-{n:02d}",
                npi=npis.issue(),
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                credential_type="COTA" if is_cota else "OTR",
                supervising_provider_id=supervisor,
                location_id=location_id,
                hire_date=history_start - timedelta(days=rng.randint(200, 3000)),
            )
        )
    return providers


class ScheduleGrid:
    """Free weekly cells (weekday, hour) per therapist, so recurring slots do not double-book."""

    def __init__(self, providers: list[Provider]):
        self.free = {p.provider_id: {(wd, h) for wd in range(5) for h in range(8, 17)} for p in providers}
        self.providers = providers

    def reserve(self, freq: int, rng: random.Random) -> tuple[Provider, int, tuple[int, ...]] | None:
        order = sorted(self.providers, key=lambda p: (-len(self.free[p.provider_id]), p.provider_id))
        for provider in order:
            cells = self.free[provider.provider_id]
            hours = [h for h in range(8, 17) if sum((wd, h) in cells for wd in range(5)) >= freq]
            if not hours:
                continue
            hour = rng.choice(hours)
            days = tuple(sorted(rng.sample([wd for wd in range(5) if (wd, hour) in cells], freq)))
            for wd in days:
                cells.discard((wd, hour))
            return provider, hour, days
        return None


def _choose_weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def _member_id(payer_id: str, rng: random.Random) -> str:
    if payer_id == "TRICARE":
        return f"{rng.randrange(10**10, 10**11)}"
    if payer_id.startswith("COMM"):
        return f"{payer_id[0]}{payer_id[-1]}X{rng.randrange(10**8, 10**9)}"
    return f"{rng.randrange(10**8, 10**9)}"


class KidFactory:
    def __init__(self, location_id: str, zip_code: str, rng: random.Random, physicians: list[str]):
        self.location_id, self.zip, self.rng, self.physicians = location_id, zip_code, rng, physicians
        self.count = 0

    def make(
        self,
        start: date,
        discharge: date,
        freq: int,
        weekdays,
        hour: int,
        duration: int,
        provider: Provider,
        evaluator: Provider,
    ) -> Kid:
        rng = self.rng
        self.count += 1
        patient_id = f"PT-{self.location_id}-{self.count:05d}"
        age = rng.randint(2, 17)
        dob = start - timedelta(days=365 * age + rng.randint(0, 364))
        payer = PAYERS_BY_ID[_choose_weighted(rng, PAYER_MIX)]
        secondary = None
        if payer.payer_id.startswith("COMM") and rng.random() < 0.15:
            secondary = PAYERS_BY_ID["COMM2" if payer.payer_id == "COMM1" else "COMM1"]
        unit_type = payer.auth_unit_type
        if payer.payer_id == "TXMCO3" and rng.random() < 0.35:
            unit_type = "units"  # this plan authorizes some children in 15-minute units
        last = rng.choice(LAST_NAMES)
        eval_date = start - timedelta(days=rng.randint(3, 12))
        while not is_clinic_day(eval_date):
            eval_date -= timedelta(days=1)
        codes = rng.sample(ICD10_CODES, rng.choice((1, 2, 2, 3)))
        return Kid(
            patient_id=patient_id,
            location_id=self.location_id,
            first_name=rng.choice(FIRST_NAMES),
            last_name=last,
            dob=dob,
            sex=rng.choice("FM"),
            guardian_name=f"{rng.choice(FIRST_NAMES)} {last}",
            guardian_phone=f"({rng.choice(('512', '210', '713', '214', '817'))}) 555-{rng.randrange(10000):04d}",
            zip=self.zip,
            payer=payer,
            member_id=_member_id(payer.payer_id, rng),
            coverage_id=f"CV-{patient_id[3:]}-1",
            coverage_start=eval_date - timedelta(days=rng.randint(30, 700)),
            secondary=secondary,
            eval_code=_choose_weighted(rng, ((EVAL_CODES[0], 3), (EVAL_CODES[1], 5), (EVAL_CODES[2], 2))),
            eval_date=eval_date,
            start=start,
            discharge=discharge,
            freq=freq,
            weekdays=tuple(weekdays),
            hour=hour,
            duration=duration,
            provider=provider,
            evaluator=evaluator,
            diagnosis_codes="|".join(codes),
            goals="|".join(rng.sample(FUNCTIONAL_GOALS, rng.choice((2, 3)))),
            physician_npi=rng.choice(self.physicians),
            auth_unit_type=unit_type,
        )


# Medicaid is the payer of last resort: once per location a child on a commercial plan gets Texas Medicaid as
# secondary coverage, and the claims area has the commercial plan deny one of the child's claims as not covered.
LAST_RESORT_PAYER_ID = "TXMFFS"
# Treatment visits this many days before the anchor are answered by the primary (paid 14-18 days after the
# visit's week starts) inside the claims area's recent window, so the planted denial can fall on one of them.
LAST_RESORT_VISIT_DAYS = (25, 50)


def plant_medicaid_secondary(kids: list[Kid], rng: random.Random, anchor: date) -> Kid | None:
    """Give one child on a commercial plan, with no secondary coverage and no other plant, Medicaid as
    secondary coverage from the primary's start; return the child (None when no child qualifies)."""
    nearest, farthest = LAST_RESORT_VISIT_DAYS
    candidates = [
        k
        for k in kids
        if k.payer.payer_type == "commercial"
        and k.secondary is None
        and k.planted is None
        and any(
            a.kind == "treatment" and a.status == "arrived" and nearest <= (anchor - a.day).days <= farthest
            for a in k.appts
        )
    ]
    if not candidates:
        return None
    kid = rng.choice(sorted(candidates, key=lambda k: k.patient_id))
    kid.secondary = PAYERS_BY_ID[LAST_RESORT_PAYER_ID]
    kid.secondary_member_id = _member_id(LAST_RESORT_PAYER_ID, rng)
    return kid


def build_appointments(kid: Kid, rng: random.Random, history_start: date, anchor: date, future_end: date) -> None:
    """Evaluation, then the recurring treatment slots from treatment start to discharge (clipped to the data window)."""
    appts: list[Appt] = []
    medicaid = kid.payer.is_medicaid

    family_factor = family_miss_factor(f"{kid.patient_id}:{kid.member_id}")

    def status_for(day: date, initial: bool) -> str:
        return "scheduled" if day >= anchor else final_status(rng, medicaid, initial, family_factor)

    if history_start <= kid.eval_date <= future_end:
        appts.append(
            Appt(
                kid.eval_date,
                kid.hour,
                0,
                60,
                "evaluation",
                kid.evaluator,
                "arrived" if kid.eval_date < anchor else "scheduled",
            )
        )
    first, last = max(kid.start, history_start), min(kid.discharge, future_end)
    first_visit = min((kid.start + timedelta(days=(wd - kid.start.weekday()) % 7) for wd in kid.weekdays), default=None)
    for weekday in kid.weekdays:
        day = first + timedelta(days=(weekday - first.weekday()) % 7)
        while day <= last:
            if is_clinic_day(day):
                appts.append(
                    Appt(
                        day,
                        kid.hour,
                        0,
                        kid.duration,
                        "treatment",
                        kid.provider,
                        status_for(day, initial=day == first_visit),
                    )
                )
            day += timedelta(days=7)
    appts.sort(key=lambda a: (a.day, a.hour))
    kid.appts = appts


def build_plans(kid: Kid, rng: random.Random, anchor: date) -> None:
    """Plans of care from the evaluation; each recertification is preceded by a re-evaluation visit."""
    plans: list[Plan] = []
    start, eval_day = kid.start, kid.eval_date
    horizon = min(kid.discharge, anchor)
    treatments = [a for a in kid.appts if a.kind == "treatment"]
    while True:
        weeks = rng.choice((12, 24, 24))
        end = start + timedelta(days=7 * weeks - 1)
        signed = eval_day + timedelta(days=rng.randint(2, 14))
        if kid.discharge < anchor and end >= kid.discharge:
            status = "discharged"
        elif end < anchor:
            status = "expired"
        else:
            status = "active"
        plans.append(
            Plan(
                f"POC-{kid.patient_id[3:]}-{len(plans) + 1}",
                eval_day,
                start,
                end,
                weeks,
                signed if signed < anchor else None,
                status,
                awaiting_signature=eval_day <= anchor <= signed,
            )
        )
        if end >= horizon:
            break
        start = end + timedelta(days=1)
        # The last treatment visit before the new period becomes the re-evaluation (done by an OTR).
        before = [a for a in treatments if a.day < start and a.day >= start - timedelta(days=14)]
        if before:
            reeval = before[-1]
            reeval.kind = "re_evaluation"
            if reeval.provider.credential_type != "OTR":
                reeval.provider = kid.evaluator
            eval_day = reeval.day
        else:
            eval_day = start - timedelta(days=1)
    kid.plans = plans


def appointment_times(
    appt: Appt, rng: random.Random, anchor_utc: datetime, time_zone: str
) -> tuple[datetime, datetime, datetime | None]:
    """(scheduled start, booked at, cancelled at) in UTC; the visit is at appt.hour in the location's zone;
    bookings are always before the extract."""
    start = local_to_utc(appt.day, appt.hour, appt.minute, time_zone)
    booked = start - timedelta(days=rng.randint(7, 56), minutes=rng.randrange(0, 480))
    if booked >= anchor_utc:
        booked = anchor_utc - timedelta(hours=rng.randint(1, 72))
    cancelled = None
    if appt.status == "cancelled":
        cancelled = start - timedelta(hours=rng.randint(*CANCEL_NOTICE_HOURS))
    elif appt.status == "late_cancelled":
        cancelled = start - timedelta(hours=rng.randint(*LATE_CANCEL_NOTICE_HOURS), minutes=rng.randrange(60))
    if cancelled is not None and cancelled >= anchor_utc:
        cancelled = anchor_utc - timedelta(hours=2)  # a future visit cancelled before the extract was taken
    if cancelled is not None and cancelled <= booked:
        booked = cancelled - timedelta(days=rng.randint(1, 10))
    return start, booked, cancelled
