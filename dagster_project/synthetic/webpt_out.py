"""Write the generated EHR data the way WebPT's Standard Extract delivers it, over several nights.

The generator first writes the contract CSVs; this module turns the EHR entities WebPT covers into
WebPT tables (names as in ``dagster_project/adapters/mappings/webpt.yml``) and splits them into nightly
deliveries ending on the anchor date:

- the first night is the onboarding backfill: every table in full (export_flag 1), appointments up to
  14 days after that night;
- each later night re-sends the appointments of its 14-days-back / 14-days-forward window (export_flag 2,
  or 1 for those entering the window) as they stood that night, and the visits and charges of the day;
- one appointment is delivered on the first night and removed (export_flag 3) on the second, and one
  patient's phone is corrected (export_flag 2) on the second night, so the adapter must honour both.

After the last night the accumulated state equals the contract data, except what WebPT does not
deliver (appointments more than 14 days ahead, and the columns the mapping reports as gaps). EHR
entities outside the Standard Extract stay in the inbox as contract files.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

WINDOW_DAYS = 14
WEBPT_ENTITIES = (
    "locations",
    "providers",
    "patients",
    "coverages",
    "appointments",
    "visits",
    "charge_lines",
    "authorizations",
)
REMOVED_APPOINTMENT_ID = "AP-WEBPT-REMOVED"
_TYPES = {"evaluation": "Initial Evaluation", "re_evaluation": "Re-Evaluation", "treatment": "Treatment"}
_REASONS = {"cancelled": "Cancelled", "late_cancelled": "Late Cancel", "no_show": "No Show"}
_PAYER_TYPES = {
    "medicaid_mco": "Medicaid Managed Care",
    "medicaid_ffs": "Medicaid",
    "commercial": "Commercial",
    "tricare": "Tricare",
    "medicare": "Medicare",
    "medicare_advantage": "Medicare Advantage",
}
_ORDER = {"1": "Primary", "2": "Secondary", "3": "Tertiary"}
_SEX = {"F": "Female", "M": "Male", "U": "Unknown"}


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, columns: list[str], rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: row.get(c, "") for c in columns} for row in rows)


class _Clock:
    """Contract UTC timestamps -> WebPT wall-clock text at the clinic (its zone, else the default)."""

    def __init__(self, default_zone: str, zones_by_clinic: dict[str, str]):
        self.default = ZoneInfo(default_zone)
        self.zones = {clinic: ZoneInfo(zone) for clinic, zone in zones_by_clinic.items() if zone}

    def zone(self, clinic_id: str) -> ZoneInfo:
        return self.zones.get(clinic_id, self.default)

    def parse(self, text: str) -> datetime | None:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None

    def local(self, text: str, clinic_id: str) -> str:
        moment = self.parse(text)
        return self.wall(moment, clinic_id) if moment else ""

    def wall(self, moment: datetime, clinic_id: str) -> str:
        return moment.astimezone(self.zone(clinic_id)).strftime("%Y-%m-%d %H:%M:%S")


def _appointment_row(appt: dict, night: date, clock: _Clock) -> dict:
    """The appointment as WebPT would show it on the given night."""
    start = clock.parse(appt["scheduled_start_at"])
    end = start + timedelta(minutes=int(appt["duration_minutes"]))
    cancelled = clock.parse(appt["cancelled_at"])
    night_end = datetime.combine(night + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    status = appt["status"]
    if start >= night_end and not (cancelled and cancelled < night_end):
        status = "scheduled"  # its outcome is not known yet that night
    final = status in _REASONS
    clinic = appt["location_id"]
    return {
        "appointment_id": appt["appointment_id"],
        "parent_appointment_id": "",
        "start_date": clock.local(appt["scheduled_start_at"], clinic),
        "end_date": clock.wall(end, clinic),
        "check_in_time": clock.local(appt["scheduled_start_at"], clinic) if status == "arrived" else "",
        "check_out_time": clock.wall(end, clinic) if status == "arrived" else "",
        "calendar_title": appt["provider_id"],
        "clinic_id": appt["location_id"],
        "therapist_id": appt["provider_id"],
        "appointment_type": _TYPES[appt["appointment_type"]],
        "case_id": "",
        "patient_id": appt["patient_id"],
        "appointment_status": "Inactive" if final else "Active",
        "appointment_creator_id": "",
        "apt_apttype": _TYPES[appt["appointment_type"]],
        "visit_comment": "",
        "reason": _REASONS.get(status, ""),
        # "Date record was written": the cancellation for a cancelled visit, else the booking.
        "time_stamp": clock.local(
            appt["cancelled_at"] if status in ("cancelled", "late_cancelled") else appt["booked_at"], clinic
        ),
    }


def _tables(ehr: Path, clock: _Clock) -> dict[str, list[dict]]:
    coverages = {c["coverage_id"]: c for c in _read(ehr / "coverages.csv")}
    auths, visits = _read(ehr / "authorizations.csv"), _read(ehr / "visits.csv")
    cases: dict[str, dict] = {}
    for row in [*auths, *visits]:
        case_id = f"CS-{row['coverage_id']}"
        cases.setdefault(
            case_id,
            {
                "case_id": case_id,
                "patient_id": row["patient_id"],
                "clinic_id": row.get("location_id", ""),
                "primary_insurance_id": row["coverage_id"],
                "primary_payer_code": coverages[row["coverage_id"]]["payer_id"],
                "diagnosis_codes": row["diagnosis_codes"],
                "case_status": "A",
            },
        )
    tables = {
        "clinics": [
            {
                "clinic_id": r["location_id"],
                "clinic_name": r["location_name"],
                "address1": r["address_line"],
                "city": r["city"],
                "state": r["state"],
                "zip": r["zip"],
                "facility_npi": r["facility_npi"],
                "time_zone": r["time_zone"],
            }
            for r in _read(ehr / "locations.csv")
        ],
        "therapists": [
            {
                "therapist_id": r["provider_id"],
                "npi": r["npi"],
                "first_name": r["first_name"],
                "last_name": r["last_name"],
                "user_type": {"OTR": "Therapist", "COTA": "Assistant"}[r["credential_type"]],
                "supervisor_therapist_id": r["supervising_provider_id"],
                "clinic_id": r["primary_location_id"],
                "taxonomy_code": r["taxonomy_code"],
                "hire_date": r["hire_date"],
                "termination_date": r["termination_date"],
            }
            for r in _read(ehr / "providers.csv")
        ],
        "patients": [
            {
                "patient_id": r["patient_id"],
                "clinic_id": r["location_id"],
                "first_name": r["first_name"],
                "last_name": r["last_name"],
                "date_of_birth": r["date_of_birth"],
                "sex": _SEX[r["sex"]],
                "guarantor_first_name": r["guardian_name"].split(" ", 1)[0],
                "guarantor_last_name": (r["guardian_name"].split(" ", 1) + [""])[1],
                "primary_phone": r["guardian_phone"],
                "zip": r["zip"],
                "pcp_npi": r["primary_care_physician_npi"],
            }
            for r in _read(ehr / "patients.csv")
        ],
        "patient_insurance": [
            {
                "patient_insurance_id": r["coverage_id"],
                "patient_id": r["patient_id"],
                "payer_code": r["payer_id"],
                "ins_name": r["payer_name"],
                "plan_name": r["plan_name"],
                "payer_type": _PAYER_TYPES[r["payer_type"]],
                "policy_number": r["member_id"],
                "insurance_order": _ORDER[r["priority"]],
                "effective_date": r["effective_date"],
                "termination_date": r["termination_date"],
            }
            for r in coverages.values()
        ],
        "cases": list(cases.values()),
        "authorizations": [
            {
                "record_id": r["authorization_id"],
                "authorization_id": r["authorization_id"],
                "case_id": f"CS-{r['coverage_id']}",
                "auth_number": r["authorization_number"],
                "auth_start_date": r["start_date"],
                "auth_end_date": r["end_date"],
                "visit_authorized_for": r["approved_quantity"],
                "authorization_status": "A" if r["status"] == "approved" else "I",
                "patient_id": r["patient_id"],
                "ins_name": coverages[r["coverage_id"]]["payer_name"],
                "policy_number": coverages[r["coverage_id"]]["member_id"],
                "payer_type": _PAYER_TYPES[coverages[r["coverage_id"]]["payer_type"]],
            }
            for r in auths
        ],
        "visits": [
            {
                "visit_id": r["visit_id"],
                "appointment_id": r["appointment_id"],
                "case_id": f"CS-{r['coverage_id']}",
                "patient_id": r["patient_id"],
                "therapist_id": r["provider_id"],
                "clinic_id": r["location_id"],
                "visit_date": r["date_of_service"],
                "note_type": "DN",
                "place_of_service": r["place_of_service"],
                "claim_number": r["claim_id"],
                "auth_number": r["authorization_number"],
                "diagnosis_codes": r["diagnosis_codes"],
                "note_finalized_date": clock.local(r["note_signed_at"], r["location_id"]),
            }
            for r in visits
        ],
    }
    visit_dates = {v["visit_id"]: v["date_of_service"] for v in visits}
    tables["charges"] = [
        {
            "record_id": r["visit_id"],
            "record_pointer": f"{r['visit_id']}-{int(r['line_number']):02d}",
            "visit_date": visit_dates[r["visit_id"]],
            "visit_id": r["visit_id"],
            "cpt": r["cpt_code"],
            "cpt_modifier": r["modifiers"],
            "minutes": r["minutes"],
            "units": r["units"],
            "charge_amount": r["charge_amount"],
        }
        for r in _read(ehr / "charge_lines.csv")
    ]
    return tables


def write_webpt_extract(
    contract_inbox: Path, drop_dir: Path, anchor: date, *, nights: int = 3, timezone_name: str = "America/Chicago"
) -> dict[str, int]:
    """Move the WebPT-covered EHR contract files out of the inbox and write them as nightly WebPT deliveries."""
    from dagster_project.adapters.mapping import load_mapping, mapping_path

    columns = {name: table.columns for name, table in load_mapping(mapping_path("webpt")).tables.items()}
    ehr = contract_inbox / "ehr"
    clock = _Clock(timezone_name, {r["location_id"]: r["time_zone"] for r in _read(ehr / "locations.csv")})
    tables = _tables(ehr, clock)
    appointments = _read(ehr / "appointments.csv")
    for entity in WEBPT_ENTITIES:
        (ehr / f"{entity}.csv").unlink()
    drop_dir.mkdir(parents=True, exist_ok=True)
    night_dates = [anchor - timedelta(days=nights - 1 - i) for i in range(nights)]
    counts: dict[str, int] = {}

    def deliver(table: str, night: date, rows: list[dict], flag: str) -> None:
        stamped = [{**row, "export_flag": row.get("export_flag") or flag} for row in rows]
        _write(drop_dir / f"{table}_{night:%Y%m%d}.csv", columns[table], stamped)
        counts[table] = counts.get(table, 0) + len(stamped)

    first, second = night_dates[0], night_dates[min(1, nights - 1)]

    def local_day(appointment: dict) -> date:
        moment = clock.parse(appointment["scheduled_start_at"])
        return moment.astimezone(clock.zone(appointment["location_id"])).date()

    # Night 1: the onboarding backfill.
    for table in ("clinics", "therapists", "patient_insurance", "cases", "authorizations", "transactions"):
        deliver(table, first, tables.get(table, []), "1")
    changed_patient = dict(tables["patients"][0], primary_phone="(512) 555-0100")
    deliver("patients", first, [changed_patient, *tables["patients"][1:]], "1")
    backfill = [
        _appointment_row(a, first, clock) for a in appointments if local_day(a) <= first + timedelta(days=WINDOW_DAYS)
    ]
    doomed = dict(backfill[0], appointment_id=REMOVED_APPOINTMENT_ID)
    deliver("appointments", first, [*backfill, doomed], "1")
    deliver("visits", first, [v for v in tables["visits"] if date.fromisoformat(v["visit_date"]) <= first], "1")
    deliver("charges", first, [c for c in tables["charges"] if date.fromisoformat(c["visit_date"]) <= first], "1")
    # Later nights: the rolling appointment window, the day's visits and charges, one update, one removal.
    for previous, night in zip(night_dates, night_dates[1:], strict=False):
        window = [
            a
            for a in appointments
            if night - timedelta(days=WINDOW_DAYS) <= local_day(a) <= night + timedelta(days=WINDOW_DAYS)
        ]
        rows = [
            dict(
                _appointment_row(a, night, clock),
                export_flag="1" if local_day(a) > previous + timedelta(days=WINDOW_DAYS) else "2",
            )
            for a in window
        ]
        if night == second:
            rows.append(dict(doomed, export_flag="3"))
            deliver("patients", night, [tables["patients"][0]], "2")
        deliver("appointments", night, rows, "2")
        for table in ("visits", "charges"):
            days = [r for r in tables[table] if previous < date.fromisoformat(r["visit_date"]) <= night]
            deliver(table, night, days, "1")
    return counts
