"""Fixtures for the emitter tests: a realistic synthetic re-auth flag row and its visit history, a settable
clock, a fresh SQLite ledger file per test, stored users, and a warehouse holding given rows as marts tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import polars as pl
import pytest
from argon2 import PasswordHasher

from ledger import Ledger

PASSWORD = "correct horse battery staple"
AS_OF = date(2026, 3, 2)
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def marts_of(tables: dict[str, list[dict]], empty: dict[str, tuple[str, ...]] | None = None):
    """An in-memory DuckDB warehouse whose `marts.<model>` tables hold these rows (column types as Polars infers
    them from the values), and an empty text table for each model in `empty` with its columns: what an emitter
    reads, as the warehouse would hold it."""
    con = duckdb.connect()
    con.execute("create schema marts")
    for model, rows in tables.items():
        frame = pl.DataFrame(rows, infer_schema_length=None).to_arrow()  # noqa: F841 (read by the SQL below)
        con.execute(f"create table marts.{model} as select * from frame")
    for model, columns in (empty or {}).items():
        con.execute(f"create table marts.{model} ({', '.join(f'{column} varchar' for column in columns)})")
    return con


def make_flag_row(**overrides) -> dict:
    row = {
        "flag_id": "5f1c0b3e9a7d4c21b8e6f0a1d2c3b4a5",
        "rule_name": "auth_needing_reauth",
        "rule_version": "1",
        "as_of_date": AS_OF,
        "authorization_id": "AUTH-0042",
        "authorization_number": "PA7781234",
        "location_id": "L01",
        "patient_id": "PT-1007",
        "payer_id": "P-SUN",
        "payer_name": "Sunshine Kids Health Plan",
        "coverage_id": "COV-1007-1",
        "patient_first_name": "Quillon",
        "patient_last_name": "Zephyrine",
        "patient_date_of_birth": date(2019, 7, 14),
        "member_id": "MBR99887766",
        "unit_type": "visits",
        "approved_quantity": 24,
        "used_quantity": 20,
        "scheduled_quantity": 6,
        "remaining_quantity": 4,
        "burn_rate_per_week": 2.0,
        "projected_exhaustion_date": date(2026, 3, 16),
        "start_date": date(2025, 12, 1),
        "end_date": date(2026, 3, 31),
        "days_to_expiry": 29,
        "reauth_lead_days": 14,
        "is_in_last_two_visits": False,
        "is_expiring_within_lead_time": False,
        "is_projected_to_exhaust_before_end": True,
        "has_visits_scheduled_beyond_auth": True,
        "scheduled_beyond_count": 2,
        "flag_reasons": (
            "projected to run out of visits before the end date; 2 scheduled visits beyond the authorization"
        ),
        "dollars_at_risk": Decimal("312.50"),
        "due_date": date(2026, 3, 2),
        "cpt_codes": "97530|97165",
        "diagnosis_codes": "F82|R27.8",
        "plan_of_care_id": "POC-555",
        "evaluation_date": date(2025, 11, 20),
        "plan_start_date": date(2025, 12, 1),
        "plan_end_date": date(2026, 5, 31),
        "frequency_per_week": 2,
        "requested_start_date": date(2026, 3, 16),
        "requested_end_date": date(2026, 5, 31),
        "requested_weeks": 11,
        "units_per_visit": 1,
        "units_arithmetic": "2 visits per week x 11 weeks = 22 visits",
        "first_uncovered_visit_date": None,
        "duration_weeks": 12,
        "functional_goals": "Buttons a shirt independently in 3 of 4 trials|Copies a triangle with 80% accuracy",
        "physician_npi": "1234567893",
        "physician_signed_date": date(2025, 11, 25),
        "treating_provider_id": "PRV-03",
        "treating_provider_name": "Dana Whitfield",
        "treating_provider_credential": "OTR",
        "treating_provider_npi": "1558598797",
        "treating_provider_license": "TX-OT-10442",
        "units_requested": 22,
    }
    row.update(overrides)
    return row


def make_poc_flag_row(reason: str = "signature_overdue", **overrides) -> dict:
    """A flag_plan_of_care_followups row: the child's plan went to the PCP 51 days ago and is still unsigned."""
    return {
        "flag_id": f"f-{reason}",
        "rule_name": "plan_of_care_followup",
        "as_of_date": AS_OF,
        "plan_of_care_id": "POC-1",
        "followup_reason": reason,
        "patient_id": "P1",
        "location_id": "L1",
        "payer_id": "TXMCO1",
        "plan_status": "active",
        "evaluation_date": date(2026, 1, 10),
        "plan_start_date": date(2026, 1, 12),
        "plan_end_date": date(2026, 4, 5),
        "physician_npi": "1234567893",
        "physician_signed_date": None,
        "is_sent_to_pcp": True,
        "visits_since_progress_point": 10,
        "progress_report_every_visits": 10,
        "days_since_plan_start": 49,
        "recert_every_days": 90,
        "days_to_recert": 41,
        "signature_age_days": 51,
        "signature_chase_after_days": 14,
        "signature_follow_up_number": 6,
        "due_date": date(2026, 2, 25),
        **overrides,
    }


def make_visit_history(authorization_id: str = "AUTH-0042") -> list[dict]:
    statuses = ["arrived"] * 5 + ["no_show"] * 2 + ["cancelled", "late_cancelled"] + ["scheduled"] * 3
    start = date(2026, 1, 5)
    rows = [
        {
            "authorization_id": authorization_id,
            "appointment_id": f"APT-{i:03d}",
            "date_of_service": start + timedelta(days=4 * i),
            "status": status,
            "provider_id": "PRV-03",
            "cpt_codes": "97530",
            "units": 1,
        }
        for i, status in enumerate(statuses)
    ]
    # Outside the window: must not be counted.
    rows.append(
        {
            "authorization_id": authorization_id,
            "appointment_id": "APT-OLD",
            "date_of_service": date(2025, 11, 1),
            "status": "arrived",
            "provider_id": "PRV-03",
            "cpt_codes": "97530",
            "units": 1,
        }
    )
    return rows


class Clock:
    """A settable clock so throttling windows and snoozes are tested without sleeping."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now = self.now + timedelta(**kwargs)


@pytest.fixture
def flag_row() -> dict:
    return make_flag_row()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 14, 0, tzinfo=UTC))


@pytest.fixture
def ledger(tmp_path, clock) -> Ledger:
    # Cheap argon2 parameters: the hashing is still argon2id, only faster than production's.
    return Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", clock=clock, password_hasher=FAST_HASHER)


@pytest.fixture
def users(ledger):
    """Stored users: front desk of L01 and of L02, billing for all, a director, an admin."""
    return {
        "fd_l01": ledger.upsert_user("fd_l01", PASSWORD, "front_desk", ["L01"], "Front Desk L01"),
        "fd_l02": ledger.upsert_user("fd_l02", PASSWORD, "front_desk", ["L02"], "Front Desk L02"),
        "billing": ledger.upsert_user("billing", PASSWORD, "billing", ["*"], "Billing Lead"),
        "director": ledger.upsert_user("director", PASSWORD, "director", ["*"], "Clinic Director"),
        "director_l01": ledger.upsert_user("director_l01", PASSWORD, "director", ["L01"], "Director L01"),
        "admin": ledger.upsert_user("admin", PASSWORD, "admin", ["*"], "Admin"),
    }


@pytest.fixture
def make_row():
    """Builds a flag row; keyword overrides change columns."""
    return make_flag_row


@pytest.fixture
def make_history():
    return make_visit_history


@pytest.fixture
def password() -> str:
    return PASSWORD
