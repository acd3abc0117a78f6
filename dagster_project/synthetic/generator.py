"""Orchestrates one synthetic run: location by location, rows stream straight to the CSV files."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dagster_project.contracts import (
    Appointment,
    Authorization,
    ChargeLine,
    Coverage,
    Credential,
    FeeSchedule,
    IntakeDocument,
    Location,
    Patient,
    Payer,
    PayerEnrollment,
    PlanOfCare,
    Referral,
    ScheduleTemplate,
    Timesheet,
    Visit,
    WaitlistEntry,
)
from dagster_project.contracts import (
    Provider as ProviderContract,
)

from . import authorizations as az
from . import credentialing as cred
from . import exclusions, front_office, front_office_poc, scheduling
from .billing import FEES, adjudicate, charge, modifier_fee_schedules, session_lines
from .claims import ClaimSpool, write_claims
from .clinic import (
    KidFactory,
    NpiIssuer,
    ScheduleGrid,
    appointment_times,
    build_appointments,
    build_plans,
    build_providers,
    is_clinic_day,
    local_to_utc,
    location_row,
    next_clinic_day,
    plant_medicaid_secondary,
)
from .intake import write_intake
from .model import Kid
from .reference import (
    COMMERCIAL_BASE_RATE,
    GROUP_TIN,
    GROUP_X12_ID,
    OT_TAXONOMY,
    PAYERS,
    PAYERS_BY_ID,
    fictional_fax,
    physician_name,
)
from .x12_835 import RemitPayee, RemitPayer, interchange_header, interchange_trailer, render, transaction_segments
from .x12_acks import write_acknowledgements

PAY_PERIOD_EPOCH = date(2020, 1, 6)  # a Monday; pay periods are the fortnights from it


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 7
    anchor_date: date = field(default_factory=date.today)
    locations: int = 7
    months: int = 12
    future_weeks: int = 4
    out: Path = Path("data/inbox")
    ground_truth: Path = Path("data/synthetic/ground_truth.json")
    waitlist_size: int = 0  # scheduling scale knob: top the group's waitlist up to this many children (0 = natural)


def months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for d in (day.day, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Writers:
    def __init__(self, out: Path):
        contracts = (
            Location,
            ProviderContract,
            Patient,
            Coverage,
            Referral,
            IntakeDocument,
            Appointment,
            Visit,
            ChargeLine,
            Authorization,
            PlanOfCare,
            WaitlistEntry,
            Credential,
            PayerEnrollment,
            Timesheet,
            Payer,
            FeeSchedule,
            ScheduleTemplate,
        )
        from .csv_out import ContractWriter

        self.by_entity = {c.__entity__: ContractWriter(out, c) for c in contracts}

    def __getitem__(self, entity: str):
        return self.by_entity[entity]

    def close(self) -> dict[str, int]:
        for w in self.by_entity.values():
            w.close()
        return {entity: w.rows for entity, w in sorted(self.by_entity.items())}


class RemitSpool:
    """835 transactions appended per (payer, week) while locations are generated, enveloped at the end."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="synthetic835_"))
        self.counts: dict[tuple[str, date], int] = {}
        self.payment_dates: dict[tuple[str, date], date] = {}

    def add(self, payer_id: str, week: date, payment_date: date, payer, payee, claims) -> None:
        key = (payer_id, week)
        n = self.counts.get(key, 0) + 1
        self.counts[key] = n
        self.payment_dates[key] = payment_date
        trace = f"{payer.x12_payer_id}{payment_date:%y%m%d}{n:04d}"
        segs = transaction_segments(f"{n:04d}", payer, payee, payment_date, trace, claims)
        with (self.dir / f"{payer_id}_{week.isoformat()}.part").open("a", encoding="ascii") as f:
            f.write(render(segs))

    def finish(self, out_dir: Path) -> int:
        out_dir.mkdir(parents=True, exist_ok=True)
        for control, key in enumerate(sorted(self.counts), start=1):
            payer_id, week = key
            payer = PAYERS_BY_ID[payer_id]
            body = (self.dir / f"{payer_id}_{week.isoformat()}.part").read_text(encoding="ascii")
            header = render(interchange_header(payer.x12_payer_id, GROUP_X12_ID, self.payment_dates[key], control))
            trailer = render(interchange_trailer(self.counts[key], control))
            name = f"era_{payer_id.lower()}_{self.payment_dates[key]:%Y%m%d}_{week:%Y%m%d}.835"
            (out_dir / name).write_text(header + body + trailer, encoding="ascii")
        shutil.rmtree(self.dir)
        return len(self.counts)


def _remit_payer(payer) -> RemitPayer:
    index = PAYERS.index(payer)
    return RemitPayer(
        payer.payer_name,
        payer.x12_payer_id,
        f"PO Box {4100 + index * 17}",
        "Austin",
        "TX",
        "78711",
        f"800555{index:04d}",
    )


def generate(config: GeneratorConfig) -> dict:
    """Write every extract and the ground truth; return a summary (row counts, planted leaks)."""
    rng = random.Random(config.seed)
    anchor = config.anchor_date
    history_start = months_before(anchor, config.months)
    future_end = anchor + timedelta(days=7 * config.future_weeks - 1)
    anchor_utc = local_to_utc(anchor, 0)
    out = Path(config.out)
    clearinghouse = out / "clearinghouse"
    if clearinghouse.exists():
        for old in [*clearinghouse.glob("*.835"), *clearinghouse.glob("*.837")]:
            old.unlink()
    writers = Writers(out)
    spool = RemitSpool()
    spool.claims = ClaimSpool(config.seed, anchor)  # 837P claims ride along with the remits (claims area)
    npis = NpiIssuer(rng)
    truth = {"anchor_date": anchor.isoformat(), "seed": config.seed, "auth_leaks": [], "auth_near_misses": []}

    _write_contracts(writers, history_start)
    physicians = [npis.issue() for _ in range(12)]
    near_miss_slots = [
        (k % config.locations, kind)
        for k, kind in enumerate(az.NEAR_MISS_KINDS * (1 + config.locations // len(az.NEAR_MISS_KINDS)))
    ][: max(6, config.locations)]
    for index in range(1, config.locations + 1):
        loc_rng = random.Random(f"{config.seed}:{index}")
        location = location_row(index, npis.issue(), loc_rng)
        writers["locations"].write(location)
        leaks = [az.LEAK_REASONS[(2 * (index - 1) + j) % 4] for j in range(2)]
        misses = [kind for loc, kind in near_miss_slots if loc == index - 1]
        _generate_location(
            config,
            location,
            loc_rng,
            npis,
            physicians,
            writers,
            spool,
            truth,
            leaks,
            misses,
            history_start,
            future_end,
            anchor_utc,
        )
    counts = writers.close()
    counts["clearinghouse_835_files"] = spool.finish(clearinghouse)
    claim_files = write_claims(spool.claims, clearinghouse, truth)
    counts["clearinghouse_ack_files"] = write_acknowledgements(clearinghouse, truth, config.seed, anchor)
    # reads back the extracts above; the notes carry the NCCI plant's time blocks
    counts.update(front_office.generate(config.seed, anchor, out, truth, spool.claims.ncci.note_documentation()))
    front_office_poc.generate(config.seed, anchor, out, truth)  # plan-of-care signature plants
    counts["exclusion_lists"] = exclusions.generate(config.seed, anchor, out, truth)  # reads the providers back
    truth["auth_leaks"].sort(key=lambda r: r["authorization_id"])
    truth["auth_near_misses"].sort(key=lambda r: r["authorization_id"])
    gt = Path(config.ground_truth)
    gt.parent.mkdir(parents=True, exist_ok=True)
    gt.write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {
        "rows": counts,
        "auth_leaks": len(truth["auth_leaks"]),
        "auth_near_misses": len(truth["auth_near_misses"]),
        "clearinghouse_837_files": claim_files,
    }


def _write_contracts(writers: Writers, history_start: date) -> None:
    for payer in PAYERS:
        writers["payers"].write(
            {
                "payer_id": payer.payer_id,
                "payer_name": payer.payer_name,
                "payer_type": payer.payer_type,
                "is_medicaid": payer.is_medicaid,
                "x12_payer_id": payer.x12_payer_id,
                "fax_number": fictional_fax(payer.payer_id),
            }
        )
        effective = date(history_start.year - 1, 1, 1)
        for cpt in sorted(COMMERCIAL_BASE_RATE):
            writers["fee_schedules"].write(
                {
                    "payer_id": payer.payer_id,
                    "cpt_code": cpt,
                    "modifier": None,
                    "allowed_amount": FEES[payer.payer_id][cpt],
                    "effective_date": effective,
                }
            )
        for modifier, rates in sorted(modifier_fee_schedules(payer).items()):
            for cpt in sorted(rates):
                writers["fee_schedules"].write(
                    {
                        "payer_id": payer.payer_id,
                        "cpt_code": cpt,
                        "modifier": modifier,
                        "allowed_amount": rates[cpt],
                        "effective_date": effective,
                    }
                )


def _generate_location(
    config, location, rng, npis, physicians, writers, spool, truth, leaks, misses, history_start, future_end, anchor_utc
) -> None:
    anchor = config.anchor_date
    loc_id = location["location_id"]
    writers = cred.LocationRecorder(writers)  # credentialing area: records and plants credential/payroll rows
    providers = build_providers(loc_id, rng, npis, history_start)
    otr = next(p for p in providers if p.credential_type == "OTR")
    grid = ScheduleGrid(providers)
    factory = KidFactory(loc_id, location["zip"], rng, physicians)
    kids: list[Kid] = []
    for _ in range(rng.randint(30, 45)):
        freq = rng.choices((2, 3, 4), weights=(55, 35, 10))[0]
        slot = grid.reserve(freq, rng)
        if slot is None:
            continue
        provider, hour, days = slot
        duration = 45 if rng.random() < 0.65 else 60
        start = next_clinic_day(history_start - timedelta(days=rng.randint(0, 330)))
        while start <= future_end:
            discharge = start + timedelta(days=7 * rng.randint(16, 60))
            if discharge >= history_start:
                evaluator = provider if provider.credential_type == "OTR" else otr
                kid = factory.make(start, discharge, freq, days, hour, duration, provider, evaluator)
                build_appointments(kid, rng, history_start, anchor, future_end)
                kids.append(kid)
            start = next_clinic_day(discharge + timedelta(days=rng.randint(5, 30)))

    plants = az.choose_plants(kids, leaks, misses, anchor, future_end, rng, int(loc_id[1:]))
    for plant in plants:
        plant.kid.planted = plant.design
        az.prepare_schedule(plant, anchor, plant.kid.payer.reauth_lead_days)
    planted_ids = {p.kid.patient_id for p in plants}
    attendance = scheduling.shape_before_billing(config.seed, int(loc_id[1:]), kids, planted_ids, anchor)
    for kid in kids:
        build_plans(kid, rng, anchor)
    # the plans sent for signature and not yet signed, as drawn (the front-office plan-of-care truth)
    truth.setdefault("plans_awaiting_signature", []).extend(
        plan.plan_of_care_id for kid in kids for plan in kid.plans if plan.awaiting_signature
    )
    # its own random stream, so the rest of the location is the same with or without the plant
    plant_medicaid_secondary(kids, random.Random(f"{config.seed}:last-resort:{loc_id}"), anchor)

    # Bill every kept appointment (visit ids in date order across the location).
    appts = sorted(
        ((a, kid) for kid in kids for a in kid.appts), key=lambda ak: (ak[0].day, ak[0].hour, ak[1].patient_id)
    )
    visit_no = 0
    for n, (appt, kid) in enumerate(appts, start=1):
        appt.appointment_id = f"AP-{loc_id}-{n:07d}"
        if appt.status == "arrived":
            visit_no += 1
            appt.visit_id = f"VS-{loc_id}-{visit_no:07d}"
            appt.claim_id = f"CL{loc_id[1:]}{visit_no:07d}"
            appt.lines = session_lines(appt, kid, rng)

    ids = az.AuthIds(loc_id)
    planted = {p.kid.patient_id: p for p in plants}
    for kid in kids:
        if not kid.payer.needs_authorization:
            continue
        if kid.patient_id in planted:
            az.design_auths(planted[kid.patient_id], ids, rng, anchor)
        else:
            az.build_natural(kid, ids, rng, anchor)
    az.record_truth(truth, plants, loc_id, anchor)
    truth.setdefault("unauthorized_visits", []).extend(
        az.plant_unauthorized_visits(kids, {p.kid.patient_id for p in plants}, loc_id, anchor)
    )
    sched_plan = scheduling.plan_location(
        config.seed, int(loc_id[1:]), loc_id, providers, kids, planted_ids, anchor, npis, attendance
    )
    cred_plan = cred.plan_location(config, location, providers, kids, npis, writers)

    _write_people(writers, location, providers, kids, rng, anchor, history_start)
    _write_schedule_and_billing(writers, spool, location, kids, appts, rng, anchor, anchor_utc)
    _write_timesheets(writers, providers, appts, rng, history_start, anchor)
    write_intake(writers, location, kids, providers, rng, anchor, history_start, factory, truth)
    scheduling.write_location(writers, location, providers, kids, sched_plan, anchor, history_start, truth)
    if config.waitlist_size:
        scheduling.top_up_waitlist(
            writers,
            location,
            providers,
            config.seed,
            int(loc_id[1:]),
            anchor,
            config.waitlist_size * int(loc_id[1:]) // config.locations,
        )
    cred.finish_location(cred_plan, writers, kids, truth)


def _write_people(writers, location, providers, kids, rng, anchor, history_start) -> None:
    loc_id = location["location_id"]
    for p in providers:
        writers["providers"].write(
            {
                "provider_id": p.provider_id,
                "npi": p.npi,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "credential_type": p.credential_type,
                "supervising_provider_id": p.supervising_provider_id,
                "primary_location_id": loc_id,
                "taxonomy_code": OT_TAXONOMY,
                "hire_date": p.hire_date,
                "termination_date": None,
            }
        )
        _write_credentials(writers, p, rng, anchor)
        for payer in PAYERS:
            writers["payer_enrollments"].write(
                {
                    "enrollment_id": f"EN-{p.provider_id[3:]}-{payer.payer_id}",
                    "provider_id": p.provider_id,
                    "payer_id": payer.payer_id,
                    "location_id": loc_id,
                    "status": "enrolled",
                    "effective_date": p.hire_date + timedelta(days=rng.randint(30, 90)),
                    "termination_date": None,
                }
            )
    for kid in kids:
        writers["patients"].write(
            {
                "patient_id": kid.patient_id,
                "location_id": loc_id,
                "first_name": kid.first_name,
                "last_name": kid.last_name,
                "date_of_birth": kid.dob,
                "sex": kid.sex,
                "guardian_name": kid.guardian_name,
                "guardian_phone": kid.guardian_phone,
                "zip": kid.zip,
                "primary_care_physician_npi": kid.physician_npi,
            }
        )
        _write_coverages(writers, kid, rng)
        for plan in kid.plans:
            writers["plans_of_care"].write(
                {
                    "plan_of_care_id": plan.plan_of_care_id,
                    "patient_id": kid.patient_id,
                    "provider_id": kid.evaluator.provider_id,
                    "evaluation_date": plan.evaluation_date,
                    "start_date": plan.start,
                    "end_date": plan.end,
                    "frequency_per_week": kid.freq,
                    "duration_weeks": plan.weeks,
                    "diagnosis_codes": kid.diagnosis_codes,
                    "functional_goals": kid.goals,
                    "physician_npi": kid.physician_npi,
                    "physician_name": physician_name(kid.physician_npi),
                    "physician_fax": fictional_fax(kid.physician_npi),
                    "physician_signed_date": plan.signed,
                    "status": plan.status,
                }
            )
        for auth in kid.auths:
            writers["authorizations"].write(
                {
                    "authorization_id": auth.authorization_id,
                    "authorization_number": auth.authorization_number,
                    "patient_id": kid.patient_id,
                    "coverage_id": kid.coverage_id,
                    "payer_id": kid.payer.payer_id,
                    "status": auth.status,
                    "unit_type": auth.unit_type,
                    "approved_quantity": auth.approved,
                    "start_date": auth.start,
                    "end_date": auth.end,
                    "cpt_codes": auth.cpt_codes,
                    "diagnosis_codes": kid.diagnosis_codes,
                    "requested_at": min(
                        auth.requested_at, datetime.combine(anchor, datetime.min.time()) - timedelta(hours=6)
                    ),
                }
            )


def _write_coverages(writers, kid: Kid, rng) -> None:
    payer = kid.payer
    writers["coverages"].write(
        {
            "coverage_id": kid.coverage_id,
            "patient_id": kid.patient_id,
            "payer_id": payer.payer_id,
            "payer_name": payer.payer_name,
            "plan_name": payer.plan_name,
            "payer_type": payer.payer_type,
            "member_id": kid.member_id,
            "priority": 1,
            "is_medicaid": payer.is_medicaid,
            "effective_date": kid.coverage_start,
            "termination_date": None,
        }
    )
    if kid.secondary:
        sec = kid.secondary
        writers["coverages"].write(
            {
                "coverage_id": kid.coverage_id[:-1] + "2",
                "patient_id": kid.patient_id,
                "payer_id": sec.payer_id,
                "payer_name": sec.payer_name,
                "plan_name": sec.plan_name,
                "payer_type": sec.payer_type,
                # a planted secondary carries its member id; otherwise one is drawn here
                "member_id": kid.secondary_member_id or f"S{rng.randrange(10**9, 10**10)}",
                "priority": 2,
                "is_medicaid": sec.is_medicaid,
                "effective_date": kid.coverage_start,
                "termination_date": None,
            }
        )


CREDENTIAL_YEARS = (
    ("state_license", 730),
    ("nbcot_certification", 1095),
    ("cpr_bls", 730),
    ("hipaa_training", 365),
    ("caqh_attestation", 120),
    ("liability_insurance", 365),
)


def _write_credentials(writers, p, rng, anchor) -> None:
    for ctype, days in CREDENTIAL_YEARS:
        # Issued recently enough that nothing is near expiry (credential leaks are planted elsewhere).
        issued = anchor - timedelta(days=rng.randint(0, max(1, days - 75)))
        identifier = {
            "state_license": f"TX-OT-{rng.randrange(10**5, 10**6)}",
            "nbcot_certification": f"NBCOT-{rng.randrange(10**6, 10**7)}",
        }.get(ctype)
        writers["credentials"].write(
            {
                "credential_id": f"CR-{p.provider_id[3:]}-{ctype}",
                "provider_id": p.provider_id,
                "credential_type": ctype,
                "identifier": identifier,
                "issuing_state": "TX" if ctype == "state_license" else None,
                "issued_date": issued,
                "expiration_date": issued + timedelta(days=days),
                "status": "active",
            }
        )


def _auth_number_on(kid: Kid, day: date) -> str | None:
    for auth in kid.auths:
        if auth.status == "approved" and auth.start <= day <= auth.end:
            return auth.authorization_number
    return None


def _write_schedule_and_billing(writers, spool, location, kids, appts, rng, anchor, anchor_utc) -> None:
    loc_id = location["location_id"]
    payee = RemitPayee(location["location_name"], location["facility_npi"], GROUP_TIN)
    spool.claims.add_location(location)
    remits: dict[tuple[str, date], list] = {}
    claim_no = 0
    for appt, kid in appts:
        start, booked, cancelled = appointment_times(appt, rng, anchor_utc, location["time_zone"])
        writers["appointments"].write(
            {
                "appointment_id": appt.appointment_id,
                "patient_id": kid.patient_id,
                "provider_id": appt.provider.provider_id,
                "location_id": loc_id,
                "appointment_type": appt.kind,
                "scheduled_start_at": start,
                "duration_minutes": appt.duration,
                "status": appt.status,
                "booked_at": booked,
                "cancelled_at": cancelled,
            }
        )
        if appt.status != "arrived":
            continue
        pos = "11" if appt.kind != "treatment" or rng.random() < 0.97 else rng.choice(("02", "10"))
        end_utc = start + timedelta(minutes=appt.duration)
        r = rng.random()
        signed = end_utc + (timedelta(hours=rng.randint(1, 47)) if r < 0.93 else timedelta(days=rng.randint(3, 9)))
        if signed >= anchor_utc:
            signed = None  # still unsigned when the extract was taken
        writers["visits"].write(
            {
                "visit_id": appt.visit_id,
                "appointment_id": appt.appointment_id,
                "patient_id": kid.patient_id,
                "provider_id": appt.provider.provider_id,
                "location_id": loc_id,
                "coverage_id": kid.coverage_id,
                "claim_id": appt.claim_id,
                "date_of_service": appt.day,
                "place_of_service": pos,
                "rendering_npi": appt.provider.npi,
                "authorization_number": _auth_number_on(kid, appt.day),
                "diagnosis_codes": kid.diagnosis_codes,
                "note_signed_at": signed,
            }
        )
        week = appt.day - timedelta(days=appt.day.weekday())
        payment_date = week + timedelta(days=14 + PAYERS.index(kid.payer) % 5)
        # the claims area may plant an assistant's share on a line (returned: line number -> assistant minutes)
        assistant_share = spool.claims.add(
            location, kid, appt, pos, _auth_number_on(kid, appt.day), remitted=payment_date < anchor
        )
        for n, (cpt, modifiers, minutes, units) in enumerate(appt.lines, start=1):
            writers["charge_lines"].write(
                {
                    "visit_id": appt.visit_id,
                    "line_number": n,
                    "cpt_code": cpt,
                    "modifiers": "|".join(modifiers) or None,
                    "minutes": minutes,
                    "units": units,
                    "charge_amount": charge(cpt, units),
                    # an assistant-rendered visit: the assistant furnished every minute of it
                    "assistant_minutes": assistant_share.get(
                        n, minutes if appt.provider.credential_type == "COTA" else None
                    ),
                }
            )
        if payment_date >= anchor:
            continue  # not remitted yet
        claim_no += 1
        claim = adjudicate(kid, appt, rng, f"{kid.payer.x12_payer_id}{loc_id[1:]}{claim_no:08d}", appt.provider)
        claim.place_of_service = pos
        spool.claims.remits.answer(
            loc_id,
            claim,
            _remit_payer(kid.payer),
            payee,
            kid.payer.payer_id,
            payment_date,
            FEES[kid.payer.payer_id],  # claims area: denial mix, underpayments
            secondary_payer_id=kid.secondary.payer_id if kid.secondary else None,
        )
        remits.setdefault((kid.payer.payer_id, week), []).append((payment_date, claim))
    for (payer_id, week), items in sorted(remits.items()):
        payer = PAYERS_BY_ID[payer_id]
        spool.add(payer_id, week, items[0][0], _remit_payer(payer), payee, [c for _, c in items])


def _write_timesheets(writers, providers, appts, rng, history_start, anchor) -> None:
    minutes: dict[tuple[str, date], int] = {}
    for appt, _ in appts:
        if appt.status == "arrived":
            key = (appt.provider.provider_id, appt.day)
            minutes[key] = minutes.get(key, 0) + appt.duration
    for p in providers:
        day = max(history_start, p.hire_date)
        while day < anchor:
            if is_clinic_day(day):
                period_start = PAY_PERIOD_EPOCH + timedelta(days=14 * ((day - PAY_PERIOD_EPOCH).days // 14))
                base = {
                    "provider_id": p.provider_id,
                    "location_id": p.location_id,
                    "work_date": day,
                    "pay_period_start": period_start,
                    "pay_period_end": period_start + timedelta(days=13),
                }
                clinical = minutes.get((p.provider_id, day), 0)
                if clinical:
                    hours = Decimal(round((clinical / 60 + rng.choice((0, 0, 0.25))) * 4)) / 4
                    writers["timesheets"].write(
                        {
                            **base,
                            "timesheet_id": f"TS-{p.provider_id[3:]}-{day:%Y%m%d}-C",
                            "hours": hours,
                            "hours_type": "clinical",
                        }
                    )
                admin = Decimal(rng.choice((2, 3, 4, 6))) / 4
                writers["timesheets"].write(
                    {
                        **base,
                        "timesheet_id": f"TS-{p.provider_id[3:]}-{day:%Y%m%d}-A",
                        "hours": admin,
                        "hours_type": "admin",
                    }
                )
            day += timedelta(days=1)
