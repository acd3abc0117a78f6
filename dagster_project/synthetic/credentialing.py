"""Credentialing and payroll plants of a location, and the area's ground truth (key "credentialing").

Plants, by location bucket ((index - 1) % 3):

- bucket 0: a therapist newly enrolled mid-month (hired a week ago; the Lone Star MCO enrollment takes
  effect on the next 15th, so the claims of the children moved to them are held until that day); a CAQH
  attestation lapsing in 5 days (7-day tier; a compliance task, its visits can still be billed); a state
  license at 60 days (90-day tier); a day of sessions with no timesheet hours;
- bucket 1: a second new therapist whose enrollment is effective today (their claims, all for dates of
  service before today, stay held: the effective date coming does not make them billable); HIPAA training
  at 20 days (30-day tier); CPR/BLS expired 10 days ago; the first COTA without a
  supervising OTR on record (the OTR on their record left 40 days ago); clinical hours on a day without
  sessions; liability insurance at 91 days (a near miss: no tier);
- bucket 2: a new hire starting next week whose NPI has a wrong check digit and whose enrollments are
  all pending; NBCOT certification at 25 days (30-day tier; a compliance task: the visits after it can still
  be billed);
  clinical hours more than the tolerance over the sessions of a day.

The natural credentials are kept more than 95 days from expiry so that only planted ones reach a tier.

The credential reminders of the ground truth are the planted facts (each planted credential records the
reminder tier it was planted inside). The rest of the ground truth is still computed here, in Python,
from every provider, credential, enrollment and timesheet row the location wrote (through a recording
wrapper around the writers, so rows other areas write, such as the scheduling area's pending new hire,
count too) and from the final appointments, with the dbt seeds' defaults (CYCLES, ..., read through
seed_values); the end-to-end test checks the marts against this truth and that every plant is in it.

A separate random stream per location (seed:cred:index) keeps the other areas' data unchanged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from dagster_project.npi import is_valid_npi, npi_check_digit

from . import seed_values
from .clinic import NpiIssuer, is_clinic_day
from .model import Kid, Provider
from .reference import FIRST_NAMES, LAST_NAMES, OT_TAXONOMY, PAYERS

# The dbt seeds' defaults (credential_cycles.csv for every state, credential_reminder_tiers.csv,
# credentialing_rules.csv).
CYCLE_MONTHS, CYCLE_DAYS = seed_values.credential_cycles()
REQUIRED_TYPES = seed_values.credential_types_required_to_hold()
BILLING_REQUIRED = seed_values.credential_types_required_for_billing()
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


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def cycle_due(credential_type: str, issued: date) -> date | None:
    if credential_type in CYCLE_DAYS:
        return issued + timedelta(days=CYCLE_DAYS[credential_type])
    if credential_type in CYCLE_MONTHS:
        return add_months(issued, CYCLE_MONTHS[credential_type])
    return None


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
        self.recorder.rows[self.entity].append(row)
        self.inner.write(row)

    def write_many(self, rows) -> None:
        for row in rows:
            self.write(row)

    def __getattr__(self, name):
        return getattr(self.inner, name)


class LocationRecorder:
    """Wraps the generator's writers for one location: records the credentialing/payroll rows written
    (by any area) and lets the plan rewrite rows on their way out. Everything else passes through."""

    def __init__(self, inner):
        self.inner = inner
        self.rows: dict[str, list[dict]] = {entity: [] for entity in TRACKED}
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
    add_clinical: tuple[str, date, str] | None = None  # provider, day, its pay-period location
    plants: list[dict] = field(default_factory=list)
    near_misses: list[dict] = field(default_factory=list)


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
) -> list[str]:
    """Children of the payer whose history since the hire date and visits from the effective date move to
    the new therapist (before it they stay with their enrolled therapist)."""
    own = {p.provider_id for p in providers}
    moved = []
    for kid in sorted(kids, key=lambda k: k.patient_id):
        if len(moved) >= count:
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
        moved.append(kid.patient_id)
    return moved


def plan_location(
    config, location: dict, providers: list[Provider], kids: list[Kid], npis: NpiIssuer, writers: LocationRecorder
) -> CredentialingPlan:
    """Decide this location's plants and reassign appointments (call before anything of it is written)."""
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
        entry = {
            "provider_id": provider.provider_id,
            "location_id": loc_id,
            "credential_type": ctype,
            "days_to_expiry": days,
            "kind": kind,
        }
        if tier is None:
            plan.near_misses.append(entry)
        else:
            plan.plants.append({**entry, "reminder_tier": tier})

    if plan.bucket == 0:
        effective = next_mid_month(anchor)
        new = _new_therapist(plan, "81", anchor - timedelta(days=7), npis)
        moved = _move_children(kids, providers, new, anchor, effective)
        plan.new_providers.append((new, {NEW_ENROLLMENT_PAYER: ("enrolled", effective)}))
        plan.plants.append(
            {
                "kind": "claims_held_until_enrollment",
                "provider_id": new.provider_id,
                "location_id": loc_id,
                "payer_id": NEW_ENROLLMENT_PAYER,
                "effective_date": effective.isoformat(),
                "moved_patients": len(moved),
            }
        )
        expire(ordered[1], "caqh_attestation", 5, "caqh_lapses_next_week", "7_days")
        expire(ordered[0], "state_license", 60, "tier_90", "90_days")
    elif plan.bucket == 1:
        new = _new_therapist(plan, "82", anchor - timedelta(days=7), npis)
        moved = _move_children(kids, providers, new, anchor, anchor)
        plan.new_providers.append((new, {NEW_ENROLLMENT_PAYER: ("enrolled", anchor)}))
        plan.plants.append(
            {
                "kind": "claims_released_today",
                "provider_id": new.provider_id,
                "location_id": loc_id,
                "payer_id": NEW_ENROLLMENT_PAYER,
                "effective_date": anchor.isoformat(),
                "moved_patients": len(moved),
            }
        )
        expire(ordered[0], "hipaa_training", 20, "tier_30", "30_days")
        expire(ordered[1], "cpr_bls", -10, "expired", "expired")
        expire(ordered[2], "liability_insurance", 91, "near_miss")
    else:
        new = _new_therapist(plan, "83", anchor + timedelta(days=5), npis, valid_npi=False)
        plan.new_providers.append((new, {p.payer_id: ("pending", None) for p in PAYERS}))
        plan.plants.append(
            {"kind": "invalid_npi_and_pending_enrollments", "provider_id": new.provider_id, "location_id": loc_id}
        )
        expire(ordered[1], "nbcot_certification", 25, "tier_30_compliance", "30_days")
    if plan.bucket in (1, 2):
        cota = next((p for p in ordered if p.credential_type == "COTA"), None)
        if cota is not None:
            # Their supervising OTR on record left 40 days ago and nobody recorded a new one.
            plan.unsupervised_cota = cota.provider_id
            plan.departed_supervisor = _new_therapist(plan, "84", anchor - timedelta(days=900), npis)
            plan.plants.append(
                {"kind": "cota_without_supervising_otr", "provider_id": cota.provider_id, "location_id": loc_id}
            )

    # Payroll: one discrepancy per location, in a pay period payroll has not run for yet.
    minutes = _session_minutes(kids)
    open_days = _open_payroll_days(anchor)
    pick = ordered[plan.bucket % len(ordered)]
    worked = [d for d in open_days if minutes.get((pick.provider_id, d))]
    idle = [d for d in open_days if not minutes.get((pick.provider_id, d)) and d >= pick.hire_date]
    if plan.bucket == 0 and worked:
        plan.drop_clinical = (pick.provider_id, worked[-1])
        plan.plants.append(
            {
                "kind": "sessions_without_hours",
                "provider_id": pick.provider_id,
                "location_id": loc_id,
                "work_date": worked[-1].isoformat(),
            }
        )
    elif plan.bucket == 1 and idle:
        plan.add_clinical = (pick.provider_id, idle[-1], loc_id)
        plan.plants.append(
            {
                "kind": "hours_without_sessions",
                "provider_id": pick.provider_id,
                "location_id": loc_id,
                "work_date": idle[-1].isoformat(),
            }
        )
    elif plan.bucket == 2 and worked:
        plan.inflate_clinical = (pick.provider_id, worked[-1])
        plan.plants.append(
            {
                "kind": "hours_over_tolerance",
                "provider_id": pick.provider_id,
                "location_id": loc_id,
                "work_date": worked[-1].isoformat(),
            }
        )

    writers.transforms.append(lambda entity, row: _transform(plan, entity, row))
    return plan


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
# Ground truth, computed from what was written


def finish_location(plan: CredentialingPlan, writers: LocationRecorder, kids: list[Kid], truth: dict) -> None:
    """Write the new therapists and the added timesheet row, then this location's ground truth."""
    _write_new_providers(plan, writers, kids)
    area = truth.setdefault(
        "credentialing",
        {
            "credential_reminders": [],
            "enrollment_followups": [],
            "claim_holds": [],
            "supervision_gaps": [],
            "invalid_npis": [],
            "payroll_discrepancies": [],
            "plants": [],
            "near_misses": [],
        },
    )
    expected = expected_flags(plan.anchor, writers.rows, kids, plan.location_id)
    # Reminders are the planted facts: the natural credentials are kept clear of every tier.
    expected["credential_reminders"] += [
        {
            "provider_id": p["provider_id"],
            "credential_type": p["credential_type"],
            "reminder_tier": p["reminder_tier"],
            "location_id": p["location_id"],
        }
        for p in plan.plants
        if "reminder_tier" in p
    ]
    for key, rows in expected.items():
        area[key].extend(rows)
        area[key].sort(key=lambda r: tuple(str(v) for v in r.values()))
    area["plants"].extend(plan.plants)
    area["near_misses"].extend(plan.near_misses)


def _is_remitted(day: date, payer_id: str, anchor: date) -> bool:
    # generator._write_schedule_and_billing: a visit is remitted when its payment date is before the anchor.
    week = day - timedelta(days=day.weekday())
    index = next(i for i, p in enumerate(PAYERS) if p.payer_id == payer_id)
    return week + timedelta(days=14 + index % 5) < anchor


def expected_flags(anchor: date, rows: dict[str, list[dict]], kids: list[Kid], location_id: str) -> dict[str, list]:
    providers = {r["provider_id"]: r for r in rows["providers"]}
    credentials: dict[tuple[str, str], dict] = {}
    for r in rows["credentials"]:
        credentials[(r["provider_id"], r["credential_type"])] = r
    valid_through: dict[str, dict[str, date]] = {}
    out: dict[str, list] = {
        k: []
        for k in (
            "credential_reminders",
            "enrollment_followups",
            "claim_holds",
            "supervision_gaps",
            "invalid_npis",
            "payroll_discrepancies",
        )
    }
    for provider_id, p in sorted(providers.items()):
        if p["termination_date"] is not None and p["termination_date"] <= anchor:
            continue  # a provider who has left is out of the matrix and the record fixes
        if not is_valid_npi(p["npi"]):
            out["invalid_npis"].append({"provider_id": provider_id, "location_id": location_id})
        through = valid_through.setdefault(provider_id, {})
        for ctype in REQUIRED_TYPES:
            cred = credentials.get((provider_id, ctype))
            if cred is None:
                out["credential_reminders"].append(
                    {
                        "provider_id": provider_id,
                        "credential_type": ctype,
                        "reminder_tier": "missing",
                        "location_id": location_id,
                    }
                )
                continue
            # The date on file wins over the cycle (every generated credential carries one).
            through[ctype] = cred["expiration_date"] or cycle_due(ctype, cred["issued_date"])
    enrollments = {
        (r["provider_id"], r["payer_id"]): r for r in rows["payer_enrollments"] if r["location_id"] == location_id
    }

    def can_bill(provider_id: str, payer_id: str, day: date) -> bool:
        e = enrollments.get((provider_id, payer_id))
        if e is None or e["status"] != "enrolled" or e["effective_date"] is None or e["effective_date"] > day:
            return False
        if e["termination_date"] is not None and e["termination_date"] <= day:
            return False
        return all(
            expiry >= day for ctype, expiry in valid_through.get(provider_id, {}).items() if ctype in BILLING_REQUIRED
        ) and all((provider_id, ctype) in credentials for ctype in BILLING_REQUIRED)

    followups: dict[tuple[str, str], set[str]] = {}
    for (provider_id, payer_id), e in enrollments.items():
        p = providers.get(provider_id)
        if e["status"] == "pending" and p is not None and p["termination_date"] is None:
            followups.setdefault((provider_id, payer_id), set()).add("enrollment_pending")
    holds: dict[tuple[str, str], str] = {}
    held_claims: dict[tuple[str, str], list[str]] = {}
    last_day = anchor + timedelta(days=LOOKAHEAD_DAYS - 1)
    lookback = anchor - timedelta(days=SUPERVISION_LOOKBACK_DAYS)
    minutes: dict[tuple[str, date], int] = {}
    unsupervised: set[str] = set()
    for kid in kids:
        payer_id = kid.payer.payer_id
        for appt in kid.appts:
            provider_id = appt.provider.provider_id
            if (
                appt.status == "scheduled"
                and anchor <= appt.day <= last_day
                and not can_bill(provider_id, payer_id, appt.day)
            ):
                followups.setdefault((provider_id, payer_id), set()).add("scheduled_visits_not_billable")
            if appt.status == "arrived":
                minutes[(provider_id, appt.day)] = minutes.get((provider_id, appt.day), 0) + appt.duration
                e = enrollments.get((provider_id, payer_id))
                if (
                    e is not None
                    and e["status"] in ("enrolled", "pending")
                    and not _is_remitted(appt.day, payer_id, anchor)
                ):
                    effective = e["effective_date"]
                    if effective is None or effective > anchor or appt.day < effective:
                        held_claims.setdefault((provider_id, payer_id), []).append(appt.claim_id)
                    if effective is None or appt.day < effective:
                        holds[(provider_id, payer_id)] = "hold"
            p = providers.get(provider_id)
            in_window = (appt.status == "arrived" and lookback <= appt.day < anchor) or (
                appt.status == "scheduled" and anchor <= appt.day <= last_day
            )
            if p is not None and p["credential_type"] == "COTA" and in_window:
                sup = providers.get(p["supervising_provider_id"] or "")
                if (
                    sup is None
                    or sup["credential_type"] != "OTR"
                    or (sup["termination_date"] is not None and sup["termination_date"] <= appt.day)
                ):
                    unsupervised.add(provider_id)
    for (provider_id, payer_id), reasons in sorted(followups.items()):
        out["enrollment_followups"].append(
            {"provider_id": provider_id, "payer_id": payer_id, "location_id": location_id, "reasons": sorted(reasons)}
        )
    for (provider_id, payer_id), status in sorted(holds.items()):
        out["claim_holds"].append(
            {
                "provider_id": provider_id,
                "payer_id": payer_id,
                "location_id": location_id,
                "hold_status": status,
                "claim_ids": sorted(held_claims[(provider_id, payer_id)]),
            }
        )
    out["supervision_gaps"] = [{"provider_id": p, "location_id": location_id} for p in sorted(unsupervised)]

    hours: dict[tuple[str, date], Decimal] = {}
    for r in rows["timesheets"]:
        if r["hours_type"] == "clinical":
            key = (r["provider_id"], r["work_date"])
            hours[key] = hours.get(key, Decimal(0)) + Decimal(r["hours"])
    open_days = set(_open_payroll_days(anchor))
    for key in sorted(set(hours) | set(minutes)):
        provider_id, day = key
        if day not in open_days:
            continue
        paid, worked = hours.get(key, Decimal(0)), Decimal(minutes.get(key, 0)) / 60
        if worked > 0 and paid == 0:
            kind = "sessions_without_hours"
        elif paid > 0 and worked == 0:
            kind = "hours_without_sessions"
        elif abs(paid - worked) > PAYROLL_TOLERANCE_HOURS:
            kind = "hours_over_tolerance"
        else:
            continue
        out["payroll_discrepancies"].append(
            {
                "provider_id": provider_id,
                "location_id": location_id,
                "work_date": day.isoformat(),
                "discrepancy_type": kind,
                "pay_period_start": period_start(day).isoformat(),
            }
        )
    return out
