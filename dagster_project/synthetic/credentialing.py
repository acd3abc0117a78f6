"""Credentialing and payroll plants of a location, and the area's ground truth (key "credentialing").

Natural data is clear of every credentialing and payroll rule by construction: every NPI carries a valid
check digit (clinic.NpiIssuer), every enrollment takes effect 30-90 days after a hire made at least 200 days
before the history starts (so before any visit), the first therapist of a location is an OTR on staff who
supervises every COTA, clinical hours are the session minutes rounded to the quarter hour plus at most a
quarter hour (inside the 0.50-hour tolerance), and natural credentials are kept more than 95 days from
expiry (_transform). So every flag the area raises comes from a plant below, and each plant records the
flag it must raise at the moment it is planted.

Plants, by location bucket ((index - 1) % 3):

- bucket 0: a therapist newly enrolled mid-month (hired a week ago; the Lone Star MCO enrollment takes
  effect on the next 15th, so the claims of the children moved to them are held until that day; their
  visits from that day on are billable: a near miss); a CAQH attestation lapsing in 5 days (7-day tier; a
  compliance task, its visits can still be billed); a state license at 60 days (90-day tier); a day of
  sessions with no timesheet hours;
- bucket 1: a second new therapist whose enrollment is effective today (their claims, all for dates of
  service before today, stay held: the effective date coming does not make them billable); HIPAA training
  at 20 days (30-day tier); CPR/BLS expired 10 days ago; the first COTA without a supervising OTR on record
  (the OTR on their record left 40 days ago); clinical hours on a day without sessions; liability
  insurance at 91 days (a near miss: no tier);
- bucket 2: a new hire starting next week whose NPI has a wrong check digit and whose enrollments are all
  pending; NBCOT certification at 25 days (30-day tier; a compliance task: the visits after it can still
  be billed); the first COTA without a supervising OTR on record; clinical hours more than the tolerance
  over the sessions of a day.

Every location also gets a day whose clinical hours are exactly the tolerance over its sessions (a near
miss: not flagged).

Another area writes rows the credentialing marts read too: the scheduling area's new hire, whose
enrollments it writes pending and to whom it moves booked visits of a Medicaid child. Its pending
enrollments are recorded as they are written (the recording writer) and its booked visits from the
scheduling area's own planted booking mismatches.

A separate random stream per location (seed:cred:index) keeps the other areas' data unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dagster_project.npi import npi_check_digit

from . import seed_values
from .clinic import NpiIssuer, is_clinic_day
from .model import Appt, Kid, Provider
from .reference import FIRST_NAMES, LAST_NAMES, OT_TAXONOMY, PAYERS

_RULES = seed_values.credentialing_rules()  # credentialing_rules.csv, rule set "default"
LOOKAHEAD_DAYS = int(_RULES["lookahead_days"])
SUPERVISION_LOOKBACK_DAYS = int(_RULES["supervision_lookback_days"])
PAYROLL_TOLERANCE_HOURS = Decimal(_RULES["payroll_tolerance_hours"])
PAYROLL_RUN_LAG_DAYS = int(_RULES["payroll_run_lag_days"])
PAY_PERIOD_EPOCH = date(2020, 1, 6)  # generator.PAY_PERIOD_EPOCH
NEW_ENROLLMENT_PAYER = "TXMCO1"
NOMINAL_DAYS = {
    "state_license": 730,
    "nbcot_certification": 1095,
    "cpr_bls": 730,
    "hipaa_training": 365,
    "caqh_attestation": 120,
    "liability_insurance": 365,
}
TRACKED = ("providers", "credentials", "payer_enrollments", "timesheets")
TRUTH_KEYS = (
    "credential_reminders",
    "enrollment_followups",
    "claim_holds",
    "supervision_gaps",
    "invalid_npis",
    "payroll_discrepancies",
    "plants",
    "near_misses",
)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def period_start(day: date) -> date:
    return PAY_PERIOD_EPOCH + timedelta(days=14 * ((day - PAY_PERIOD_EPOCH).days // 14))


def next_mid_month(anchor: date) -> date:
    """The first 15th strictly after the anchor date."""
    if anchor.day < 15:
        return anchor.replace(day=15)
    return add_months(anchor.replace(day=15), 1)


# --------------------------------------------------------------------------------------------------
# Recording writers


class _EntityProxy:
    def __init__(self, recorder: LocationRecorder, entity: str):
        self.recorder, self.entity = recorder, entity
        self.inner = recorder.inner[entity]

    def write(self, row: dict) -> None:
        row = self.recorder.transform(self.entity, dict(row))
        if row is None:
            return
        if self.entity == "payer_enrollments" and row["status"] == "pending":
            self.recorder.pending_enrollments.append(row)
        self.inner.write(row)

    def write_many(self, rows) -> None:
        for row in rows:
            self.write(row)

    def __getattr__(self, name):
        return getattr(self.inner, name)


class LocationRecorder:
    """Wraps the generator's writers for one location: lets the plan rewrite credentialing and payroll rows on
    their way out, and records the pending payer enrollments any area writes (no natural enrollment is
    pending, so each one is a planted fact). Everything else passes through."""

    def __init__(self, inner):
        self.inner = inner
        self.pending_enrollments: list[dict] = []
        self.transforms: list = []

    def __getitem__(self, entity: str):
        if entity in TRACKED:
            return _EntityProxy(self, entity)
        return self.inner[entity]

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def transform(self, entity: str, row: dict) -> dict | None:
        for fn in self.transforms:
            row = fn(entity, row)
            if row is None:
                return None
        return row


# --------------------------------------------------------------------------------------------------
# The plan of one location


@dataclass
class CredentialingPlan:
    location_id: str
    bucket: int
    anchor: date
    rng: random.Random
    natural_ids: set[str]
    new_providers: list[tuple[Provider, dict]] = field(default_factory=list)  # (provider, payer -> (status, eff))
    credential_overrides: dict[tuple[str, str], date] = field(default_factory=dict)
    unsupervised_cota: str | None = None
    departed_supervisor: Provider | None = None  # the OTR on record for that COTA, who has left
    drop_clinical: tuple[str, date] | None = None
    inflate_clinical: tuple[str, date] | None = None
    exact_clinical: tuple[str, date, Decimal] | None = None  # clinical hours written as exactly these
    add_clinical: tuple[str, date, str] | None = None  # provider, day, its pay-period location
    # The ground truth of this location: each flag recorded where its plant is made (keys TRUTH_KEYS).
    truth: dict[str, list] = field(default_factory=lambda: {key: [] for key in TRUTH_KEYS})

    def plant(self, entry: dict, **flag: list[dict]) -> None:
        """Record a plant and the flags it must raise, each under its ground-truth key."""
        self.truth["plants"].append({**entry, "location_id": self.location_id})
        for key, rows in flag.items():
            self.truth[key].extend({**row, "location_id": self.location_id} for row in rows)

    def near_miss(self, entry: dict) -> None:
        self.truth["near_misses"].append({**entry, "location_id": self.location_id})


def _open_payroll_days(anchor: date) -> list[date]:
    days = []
    for back in range(1, 29):
        day = anchor - timedelta(days=back)
        if period_start(day) + timedelta(days=13 + PAYROLL_RUN_LAG_DAYS) >= anchor:
            days.append(day)
    return sorted(days)


def _session_minutes(kids: list[Kid]) -> dict[tuple[str, date], int]:
    minutes: dict[tuple[str, date], int] = {}
    for kid in kids:
        for appt in kid.appts:
            if appt.status == "arrived":
                key = (appt.provider.provider_id, appt.day)
                minutes[key] = minutes.get(key, 0) + appt.duration
    return minutes


def _new_therapist(
    plan: CredentialingPlan, suffix: str, hire: date, npis: NpiIssuer, valid_npi: bool = True
) -> Provider:
    rng = plan.rng
    issuer = NpiIssuer(rng)
    issuer.used = npis.used  # never reuse an NPI issued to anyone else
    npi = issuer.issue()
    if not valid_npi:
        npi = npi[:9] + str((int(npi_check_digit(npi[:9])) + 1) % 10)  # a keying error in the check digit
    return Provider(
        f"PR-{plan.location_id}-{suffix}",
        npi,
        rng.choice(FIRST_NAMES),
        rng.choice(LAST_NAMES),
        "OTR",
        None,
        plan.location_id,
        hire,
    )


def _move_children(
    kids: list[Kid], providers: list[Provider], new: Provider, anchor: date, effective: date, count: int = 2
) -> list[Appt]:
    """Children of the payer whose history since the hire date and visits from the effective date move to
    the new therapist (before it they stay with their enrolled therapist). Returns the appointments moved."""
    own = {p.provider_id for p in providers}
    moved: list[Appt] = []
    children = 0
    for kid in sorted(kids, key=lambda k: k.patient_id):
        if children >= count:
            break
        if (
            kid.payer.payer_id != NEW_ENROLLMENT_PAYER
            or kid.planted is not None
            or kid.provider.credential_type != "OTR"
            or any(a.provider.provider_id not in own for a in kid.appts)
        ):
            continue
        recent = [
            a
            for a in kid.appts
            if new.hire_date <= a.day < anchor
            and a.status == "arrived"
            and a.kind == "treatment"
            and a.provider is kid.provider
        ]
        if not recent:
            continue
        for appt in kid.appts:
            if appt.kind == "evaluation" or appt.provider is not kid.provider:
                continue
            if (new.hire_date <= appt.day < anchor) or appt.day >= effective:
                appt.provider = new
                moved.append(appt)
        children += 1
    return moved


def _plant_new_enrollment(
    plan: CredentialingPlan, kind: str, new: Provider, moved: list[Appt], effective: date
) -> None:
    """The new therapist's kept visits moved to them are all dated after the hire (a week ago) and before the
    effective date: each claim is held. None of them is remitted: the generator pays a claim two weeks or
    more after the week of service."""
    held = sorted(a.claim_id for a in moved if a.status == "arrived")
    entry = {"provider_id": new.provider_id, "payer_id": NEW_ENROLLMENT_PAYER}
    plan.plant(
        {
            **entry,
            "kind": kind,
            "effective_date": effective.isoformat(),
            "moved_visits": len(moved),
            "held_claim_ids": held,
        },
        claim_holds=[{**entry, "hold_status": "hold", "claim_ids": held}] if held else [],
    )
    last = plan.anchor + timedelta(days=LOOKAHEAD_DAYS)
    booked = sorted(a.day for a in moved if a.status == "scheduled" and a.day < last)
    if booked:
        # Booked on and after the effective date: billable, no follow-up (the boundary's other side).
        plan.near_miss({**entry, "kind": "booked_from_effective_date", "first_booked_date": booked[0].isoformat()})


def _window_appointments(kids: list[Kid], provider_id: str, anchor: date) -> int:
    """The provider's appointments in the supervision window: kept in the look-back, booked in the look-ahead."""
    lookback = anchor - timedelta(days=SUPERVISION_LOOKBACK_DAYS)
    last = anchor + timedelta(days=LOOKAHEAD_DAYS)
    return sum(
        1
        for kid in kids
        for a in kid.appts
        if a.provider.provider_id == provider_id
        and (
            (a.status == "arrived" and lookback <= a.day < anchor)
            or (a.status == "scheduled" and anchor <= a.day < last)
        )
    )


def plan_location(
    config, location: dict, providers: list[Provider], kids: list[Kid], npis: NpiIssuer, writers: LocationRecorder
) -> CredentialingPlan:
    """Decide this location's plants, reassign appointments and record the ground truth of each plant (call
    before anything of the location is written)."""
    loc_id = location["location_id"]
    index = int(loc_id[1:])
    anchor = config.anchor_date
    plan = CredentialingPlan(
        loc_id,
        (index - 1) % 3,
        anchor,
        random.Random(f"{config.seed}:cred:{index}"),
        {p.provider_id for p in providers},
    )
    ordered = sorted(providers, key=lambda p: p.provider_id)

    def expire(provider: Provider, ctype: str, days: int, kind: str, tier: str | None = None):
        """Set the credential to expire `days` from the as-of date; `tier` is the reminder tier it is planted
        inside (None: a near miss, planted just outside every tier)."""
        plan.credential_overrides[(provider.provider_id, ctype)] = anchor + timedelta(days=days)
        entry = {"provider_id": provider.provider_id, "credential_type": ctype, "days_to_expiry": days, "kind": kind}
        if tier is None:
            plan.near_miss(entry)
        else:
            reminder = {"provider_id": provider.provider_id, "credential_type": ctype, "reminder_tier": tier}
            plan.plant({**entry, "reminder_tier": tier}, credential_reminders=[reminder])

    if plan.bucket == 0:
        effective = next_mid_month(anchor)
        new = _new_therapist(plan, "81", anchor - timedelta(days=7), npis)
        moved = _move_children(kids, providers, new, anchor, effective)
        plan.new_providers.append((new, {NEW_ENROLLMENT_PAYER: ("enrolled", effective)}))
        _plant_new_enrollment(plan, "claims_held_until_enrollment", new, moved, effective)
        expire(ordered[1], "caqh_attestation", 5, "caqh_lapses_next_week", "7_days")
        expire(ordered[0], "state_license", 60, "tier_90", "90_days")
    elif plan.bucket == 1:
        new = _new_therapist(plan, "82", anchor - timedelta(days=7), npis)
        moved = _move_children(kids, providers, new, anchor, anchor)
        plan.new_providers.append((new, {NEW_ENROLLMENT_PAYER: ("enrolled", anchor)}))
        _plant_new_enrollment(plan, "claims_released_today", new, moved, anchor)
        expire(ordered[0], "hipaa_training", 20, "tier_30", "30_days")
        expire(ordered[1], "cpr_bls", -10, "expired", "expired")
        expire(ordered[2], "liability_insurance", 91, "near_miss")
    else:
        # Starting next week: no visit yet, so nothing is held or unbillable; the record fix and the pending
        # enrollments are the follow-ups.
        new = _new_therapist(plan, "83", anchor + timedelta(days=5), npis, valid_npi=False)
        plan.new_providers.append((new, {p.payer_id: ("pending", None) for p in PAYERS}))
        plan.plant(
            {"kind": "invalid_npi_and_pending_enrollments", "provider_id": new.provider_id},
            invalid_npis=[{"provider_id": new.provider_id}],
        )
        expire(ordered[1], "nbcot_certification", 25, "tier_30_compliance", "30_days")
    if plan.bucket in (1, 2):
        cota = next((p for p in ordered if p.credential_type == "COTA"), None)
        visits = _window_appointments(kids, cota.provider_id, anchor) if cota is not None else 0
        if visits:
            # Their supervising OTR on record left 40 days ago (before the whole look-back) and nobody
            # recorded a new one: every appointment of theirs in the window is unsupervised.
            plan.unsupervised_cota = cota.provider_id
            plan.departed_supervisor = _new_therapist(plan, "84", anchor - timedelta(days=900), npis)
            plan.plant(
                {
                    "kind": "cota_without_supervising_otr",
                    "provider_id": cota.provider_id,
                    "window_appointments": visits,
                },
                supervision_gaps=[{"provider_id": cota.provider_id}],
            )
    _plan_payroll(plan, ordered, kids)
    writers.transforms.append(lambda entity, row: _transform(plan, entity, row))
    return plan


def _plan_payroll(plan: CredentialingPlan, ordered: list[Provider], kids: list[Kid]) -> None:
    """One discrepancy per location and one day exactly at the tolerance (a near miss), in pay periods payroll
    has not run for yet."""
    minutes = _session_minutes(kids)
    open_days = _open_payroll_days(plan.anchor)
    pick = ordered[plan.bucket % len(ordered)]
    worked = [d for d in open_days if minutes.get((pick.provider_id, d))]
    idle = [d for d in open_days if not minutes.get((pick.provider_id, d)) and d >= pick.hire_date]

    def discrepancy(kind: str, day: date) -> None:
        fact = {"provider_id": pick.provider_id, "work_date": day.isoformat()}
        plan.plant(
            {**fact, "kind": kind},
            payroll_discrepancies=[
                {**fact, "discrepancy_type": kind, "pay_period_start": period_start(day).isoformat()}
            ],
        )

    if plan.bucket == 0 and worked:
        plan.drop_clinical = (pick.provider_id, worked[-1])
        discrepancy("sessions_without_hours", worked[-1])
    elif plan.bucket == 1 and idle:
        plan.add_clinical = (pick.provider_id, idle[-1], plan.location_id)
        discrepancy("hours_without_sessions", idle[-1])
    elif plan.bucket == 2 and worked:
        plan.inflate_clinical = (pick.provider_id, worked[-1])
        discrepancy("hours_over_tolerance", worked[-1])

    other = ordered[(plan.bucket + 1) % len(ordered)]
    days = [d for d in open_days if minutes.get((other.provider_id, d))]
    if days:
        day = days[-1]
        hours = Decimal(minutes[(other.provider_id, day)]) / 60 + PAYROLL_TOLERANCE_HOURS
        plan.exact_clinical = (other.provider_id, day, hours)
        plan.near_miss(
            {
                "kind": "hours_at_tolerance",
                "provider_id": other.provider_id,
                "work_date": day.isoformat(),
                "hours_difference": str(PAYROLL_TOLERANCE_HOURS),
            }
        )


def _transform(plan: CredentialingPlan, entity: str, row: dict) -> dict | None:
    anchor = plan.anchor
    if entity == "providers" and row["provider_id"] == plan.unsupervised_cota:
        return {**row, "supervising_provider_id": plan.departed_supervisor.provider_id}
    if entity == "credentials" and row["provider_id"] in plan.natural_ids:
        key = (row["provider_id"], row["credential_type"])
        nominal = NOMINAL_DAYS.get(row["credential_type"])
        if key in plan.credential_overrides:
            expiry = plan.credential_overrides[key]
            return {**row, "issued_date": expiry - timedelta(days=nominal - 10), "expiration_date": expiry}
        if nominal and (row["expiration_date"] - anchor).days <= 95:
            # Natural rows stay out of every tier: the same issue-date draw, squeezed to > 95 days out.
            back = (anchor - row["issued_date"]).days
            back = back * max(1, nominal - 100) // max(1, nominal - 75)
            issued = anchor - timedelta(days=back)
            return {**row, "issued_date": issued, "expiration_date": issued + timedelta(days=nominal)}
        return row
    if entity == "timesheets" and row["hours_type"] == "clinical":
        key = (row["provider_id"], row["work_date"])
        if plan.drop_clinical == key:
            return None
        if plan.inflate_clinical == key:
            return {**row, "hours": Decimal(row["hours"]) + Decimal("1.50")}
        if plan.exact_clinical is not None and plan.exact_clinical[:2] == key:
            return {**row, "hours": plan.exact_clinical[2]}
    return row


def _write_new_providers(plan: CredentialingPlan, writers: LocationRecorder, kids: list[Kid]) -> None:
    rng, anchor = plan.rng, plan.anchor
    minutes = _session_minutes(kids)
    for p, planted in plan.new_providers:
        writers["providers"].write(
            {
                "provider_id": p.provider_id,
                "npi": p.npi,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "credential_type": p.credential_type,
                "supervising_provider_id": None,
                "primary_location_id": p.location_id,
                "taxonomy_code": OT_TAXONOMY,
                "hire_date": p.hire_date,
                "termination_date": None,
            }
        )
        for ctype, days in NOMINAL_DAYS.items():
            issued = anchor - timedelta(days=rng.randint(5, 15))
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
            status, effective = planted.get(payer.payer_id, ("enrolled", p.hire_date - timedelta(days=20)))
            writers["payer_enrollments"].write(
                {
                    "enrollment_id": f"EN-{p.provider_id[3:]}-{payer.payer_id}",
                    "provider_id": p.provider_id,
                    "payer_id": payer.payer_id,
                    "location_id": p.location_id,
                    "status": status,
                    "effective_date": effective,
                    "termination_date": None,
                }
            )
        day = p.hire_date
        while day < anchor:
            if is_clinic_day(day):
                period = period_start(day)
                base = {
                    "provider_id": p.provider_id,
                    "location_id": p.location_id,
                    "work_date": day,
                    "pay_period_start": period,
                    "pay_period_end": period + timedelta(days=13),
                }
                clinical = minutes.get((p.provider_id, day), 0)
                if clinical:
                    writers["timesheets"].write(
                        {
                            **base,
                            "timesheet_id": f"TS-{p.provider_id[3:]}-{day:%Y%m%d}-C",
                            "hours": Decimal(clinical) / 60,
                            "hours_type": "clinical",
                        }
                    )
                writers["timesheets"].write(
                    {
                        **base,
                        "timesheet_id": f"TS-{p.provider_id[3:]}-{day:%Y%m%d}-A",
                        "hours": Decimal("1.00"),
                        "hours_type": "admin",
                    }
                )
            day += timedelta(days=1)
    if plan.departed_supervisor is not None:
        p = plan.departed_supervisor
        writers["providers"].write(
            {
                "provider_id": p.provider_id,
                "npi": p.npi,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "credential_type": "OTR",
                "supervising_provider_id": None,
                "primary_location_id": p.location_id,
                "taxonomy_code": OT_TAXONOMY,
                "hire_date": p.hire_date,
                "termination_date": anchor - timedelta(days=40),
            }
        )
    if plan.add_clinical:
        provider_id, day, loc_id = plan.add_clinical
        period = period_start(day)
        writers["timesheets"].write(
            {
                "timesheet_id": f"TS-{provider_id[3:]}-{day:%Y%m%d}-X",
                "provider_id": provider_id,
                "location_id": loc_id,
                "work_date": day,
                "pay_period_start": period,
                "pay_period_end": period + timedelta(days=13),
                "hours": Decimal("2.00"),
                "hours_type": "clinical",
            }
        )


# --------------------------------------------------------------------------------------------------
# Ground truth


def finish_location(plan: CredentialingPlan, writers: LocationRecorder, kids: list[Kid], truth: dict) -> None:
    """Write the new therapists and the added timesheet row, then this location's ground truth: the flags
    recorded with each plant, and those of the other areas' planted facts."""
    _write_new_providers(plan, writers, kids)
    _record_other_areas(plan, writers, truth)
    area = truth.setdefault("credentialing", {key: [] for key in TRUTH_KEYS})
    for key, rows in plan.truth.items():
        area.setdefault(key, []).extend(rows)
        area[key].sort(key=lambda r: tuple(str(v) for v in r.values()))


def _record_other_areas(plan: CredentialingPlan, writers: LocationRecorder, truth: dict) -> None:
    """Each pending enrollment written is a follow-up, with the reason 'scheduled_visits_not_billable' too
    where the scheduling area planted a booking with that therapist for that payer in the look-ahead."""
    last = plan.anchor + timedelta(days=LOOKAHEAD_DAYS)
    booked = {
        (m["provider_id"], m["payer_id"])
        for m in truth["scheduling"]["booking_mismatches"]
        if m["location_id"] == plan.location_id
        and m["reason"] == "provider_not_enrolled"
        and plan.anchor <= date.fromisoformat(m["date"]) < last
    }
    for e in writers.pending_enrollments:
        key = (e["provider_id"], e["payer_id"])
        reasons = ["enrollment_pending"] + (["scheduled_visits_not_billable"] if key in booked else [])
        plan.truth["enrollment_followups"].append(
            {"provider_id": key[0], "payer_id": key[1], "location_id": e["location_id"], "reasons": reasons}
        )
