"""The one dbt build every test in tests/dbt shares: seeds, models, data tests and unit tests against a fresh
DuckDB file, through dbtRunner, with target/log paths in tmp so it never collides with the pipeline's own dbt
runs. The raw tables come from the ingest DDL; a tiny synthetic delivery (no real people) is added so the
marts are exercised end to end, including "latest delivery wins" in staging.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult

from dagster_project.ingest.raw_schema import create_raw_tables
from dagster_project.warehouse import get_warehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_ROOT / "dbt"
AS_OF = "2026-03-02"


def invoke_dbt(*command: str, warehouse: Path, work_dir: Path, as_of: str = AS_OF) -> dbtRunnerResult:
    """dbt in this process on ``warehouse`` (the profile's warehouse_path var, as the pipeline passes it), with
    its artifacts and logs in ``work_dir`` so it never collides with the pipeline's own dbt runs."""
    paths = ["--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR)]
    paths += ["--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
    run_vars = json.dumps({"as_of_date": as_of, "warehouse_path": str(warehouse)})
    return dbtRunner().invoke([*command, *paths, "--vars", run_vars])


# The small generated delivery the incremental tests build a "day one" from (synthetic people only).
GENERATED_AS_OF = "2026-11-26"
GENERATED_SOURCES = ("ehr", "credentialing", "payroll", "contracts", "clearinghouse")


def load_generated_delivery(folder: Path, warehouse: Path) -> None:
    """Generate 2 locations x 3 months of extracts into ``folder``/inbox and load them into ``warehouse`` through
    ingest, as a night's delivery would be."""
    from dagster_project.ingest.loader import load_source
    from dagster_project.synthetic import GeneratorConfig, generate

    generate(
        GeneratorConfig(
            seed=11,
            anchor_date=date.fromisoformat(GENERATED_AS_OF),
            locations=2,
            months=3,
            future_weeks=2,
            out=folder / "inbox",
            ground_truth=folder / "truth.json",
        )
    )
    with duckdb.connect(str(warehouse)) as con:
        for source in GENERATED_SOURCES:
            load_source(con, source, folder / "inbox", folder / "quarantine")


def _insert(con, table: str, rows: list[dict], file_name: str, loaded_at: datetime) -> None:
    for line_number, row in enumerate(rows, start=2):
        full = {
            **row,
            "_file_name": file_name,
            "_file_sha256": "0" * 64,
            "_line_number": line_number,
            "_loaded_at": loaded_at,
        }
        columns = ", ".join(f'"{c}"' for c in full)
        marks = ", ".join("?" for _ in full)
        con.execute(f"insert into {table} ({columns}) values ({marks})", list(full.values()))


def _load_synthetic_delivery(con) -> None:
    first, second = datetime(2026, 3, 1, 6), datetime(2026, 3, 2, 6)
    _insert(
        con,
        "raw_ehr.locations",
        [
            {
                "location_id": "L1",
                "location_name": "North Clinic",
                "address_line": "1 Test St",
                "city": "Austin",
                "state": "TX",
                "zip": "78701",
                "facility_npi": "1234567893",
                "service_lines": "ot_peds",
                "time_zone": "America/Chicago",
            },
            {
                "location_id": "L2",
                "location_name": "South Clinic",
                "address_line": "2 Test St",
                "city": "Austin",
                "state": "TX",
                "zip": "78702",
                "facility_npi": "1558598797",
                "service_lines": "ot_peds",
                "time_zone": "America/Denver",
            },
        ],
        "locations.csv",
        first,
    )
    _insert(
        con,
        "raw_ehr.patients",
        [
            {
                "patient_id": "P1",
                "location_id": "L1",
                "first_name": "Synth",
                "last_name": "Child",
                "date_of_birth": "2019-01-01",
                "sex": "U",
                "guardian_name": "Synth Parent",
                "guardian_phone": "555-0100",
                "zip": "78701",
            },
        ],
        "patients.csv",
        first,
    )
    _insert(
        con,
        "raw_ehr.coverages",
        [
            {
                "coverage_id": "C1",
                "patient_id": "P1",
                "payer_id": "TXMCO1",
                "payer_name": "Synthetic MCO One",
                "plan_name": "STAR",
                "payer_type": "medicaid_mco",
                "member_id": "SYN0001",
                "priority": 1,
                "is_medicaid": True,
                "effective_date": "2025-01-01",
            },
        ],
        "coverages.csv",
        first,
    )
    auth = {
        "authorization_id": "A1",
        "authorization_number": "AUTH-1",
        "patient_id": "P1",
        "coverage_id": "C1",
        "payer_id": "TXMCO1",
        "status": "pending",
        "unit_type": "visits",
        "approved_quantity": 12,
        "start_date": "2026-01-01",
        "end_date": "2026-03-20",
        "cpt_codes": "97530|97110",
        "diagnosis_codes": "F82",
    }
    _insert(con, "raw_ehr.authorizations", [auth], "authorizations_1.csv", first)
    # The second delivery approves it: staging must keep this row, not the pending one.
    _insert(con, "raw_ehr.authorizations", [{**auth, "status": "approved"}], "authorizations_2.csv", second)
    appointments = [
        {
            "appointment_id": f"AP{day}",
            "patient_id": "P1",
            "provider_id": "PR1",
            "location_id": "L1",
            "appointment_type": "treatment",
            "scheduled_start_at": f"2026-02-{day:02d} 15:00:00",
            "duration_minutes": 60,
            "status": "arrived",
            "booked_at": "2026-01-02 10:00:00",
        }
        for day in (2, 9, 16, 23)
    ]
    _insert(con, "raw_ehr.appointments", appointments, "appointments.csv", first)


def _raw_warehouse(tmp: Path) -> Path:
    warehouse = tmp / "rcm.duckdb"
    con = duckdb.connect(str(warehouse))
    create_raw_tables(con)
    _load_synthetic_delivery(con)
    con.close()
    return warehouse


@pytest.fixture(scope="session")
def dbt_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt")
    warehouse = _raw_warehouse(tmp)
    # The warehouse is named, not inherited: another session fixture may have pointed the environment elsewhere.
    return _build(tmp, warehouse, {"RCM_WAREHOUSE": "duckdb"}), warehouse, tmp


@pytest.fixture(scope="session")
def dbt_build_postgres(tmp_path_factory, postgres_cluster):
    """The same build on PostgreSQL: the raw tables travel there as the pipeline sends them (COPY)."""
    tmp = tmp_path_factory.mktemp("dbt_postgres")
    warehouse = _raw_warehouse(tmp)
    postgres_cluster.create_database("dbt_build")
    env = postgres_cluster.warehouse_env("dbt_build")
    settings = {**env, "RCM_DUCKDB_PATH": str(warehouse)}
    mp = pytest.MonkeyPatch()
    for name, value in settings.items():
        mp.setenv(name, value)
    try:
        get_warehouse(warehouse).prepare_models()
    finally:
        mp.undo()
    return _build(tmp, warehouse, env), postgres_cluster.dsn("dbt_build"), tmp


def _build(tmp: Path, warehouse: Path, environment: dict[str, str]) -> dbtRunnerResult:
    mp = pytest.MonkeyPatch()
    for name, value in environment.items():
        mp.setenv(name, value)
    try:
        return invoke_dbt("build", warehouse=warehouse, work_dir=tmp)
    finally:
        mp.undo()
