"""The generated emitter assets: each reads exactly its declared relations (recorded from the SQL it runs), no
emitter module touches the ledger's tables, and a draft that fails a check is set aside (metadata, the
set-aside file, a warning) while the other drafts and the other assets go on, with no patient value in any
reason, log line or run event."""

from __future__ import annotations

import ast
import logging
import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from core.settings import PROJECT_ROOT
from dagster_project.resources import LedgerResource, WarehouseResource
from emitters.drafting import read_set_asides
from emitters.registry import ACTION_TYPES
from ledger import Ledger, User
from tests.emitters.conftest import make_poc_flag_row

RELATION = re.compile(r"\b(?:from|join)\s+([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)?)", re.IGNORECASE)
ALL_INPUTS = sorted({model for declared in ACTION_TYPES.values() for model in declared.inputs})


class RecordingConnection:
    """A DuckDB connection that writes down every relation named in the SQL it is asked to run."""

    def __init__(self, con, seen: list[str]):
        self._con, self._seen = con, seen

    def execute(self, sql: str, *args, **kwargs):
        self._seen.extend(RELATION.findall(sql))
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        if name in ("sql", "query", "table", "view", "read_csv", "read_parquet", "from_query", "cursor"):
            raise AssertionError(f"emitter used connection.{name}: read relations through execute(select ...)")
        return getattr(self._con, name)


@pytest.fixture
def emitter_assets():
    from dagster_project.definitions import defs

    return {declared.emitter_asset: defs.get_assets_def(declared.emitter_asset) for declared in ACTION_TYPES.values()}


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A data dir with a warehouse file and a ledger of its own (the set-aside file lands beside the warehouse)."""
    warehouse = tmp_path / "warehouse" / "rcm.duckdb"
    warehouse.parent.mkdir()
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-02")
    return tmp_path, warehouse, f"sqlite:///{tmp_path / 'ledger.sqlite'}"


def _recording(monkeypatch) -> dict[str, list[str]]:
    """Patch the warehouse resource so every connection records what it reads, per asset (by op name)."""
    seen: dict[str, list[str]] = {}
    original = WarehouseResource.connect

    @contextmanager
    def connect(self, read_only: bool = False):
        assert read_only, "an emitter opens the warehouse read-only"
        with original(self, read_only=True) as con:
            calls = seen.setdefault(f"connection {len(seen)}", [])
            yield RecordingConnection(con, calls)

    monkeypatch.setattr(WarehouseResource, "connect", connect)
    return seen


def test_every_emitter_reads_exactly_its_declared_relations(workspace, emitter_assets, monkeypatch):
    _, warehouse, ledger_url = workspace
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        for model in ALL_INPUTS:
            con.execute(f"create table marts.{model} (flag_id varchar)")
    seen = _recording(monkeypatch)
    for name, asset in emitter_assets.items():
        seen.clear()
        result = dg.materialize(
            [asset],
            resources={"warehouse": WarehouseResource(path=str(warehouse)), "ledger": LedgerResource(url=ledger_url)},
        )
        assert result.success
        read = {relation for calls in seen.values() for relation in calls}
        declared = {f"marts.{model}" for t in ACTION_TYPES.values() if t.emitter_asset == name for model in t.inputs}
        assert read == declared, f"{name} read {sorted(read - declared)} beyond its declared inputs"


def test_the_recorder_catches_an_undeclared_read(workspace, monkeypatch):
    _, warehouse, _ = workspace
    seen = _recording(monkeypatch)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create schema marts; create table marts.flag_x (patient_id varchar); "
            "create table marts.dim_patients (patient_id varchar)"
        )
    with WarehouseResource(path=str(warehouse)).connect(read_only=True) as con:
        con.execute("select p.* from marts.flag_x f join marts.dim_patients p using (patient_id)")
    assert [r for calls in seen.values() for r in calls] == ["marts.flag_x", "marts.dim_patients"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = ("." * node.level) + (node.module or "")
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


DRAFT_MODULES = {Path(declared.draft.__code__.co_filename) for declared in ACTION_TYPES.values()}
EMITTER_MODULES = sorted(
    DRAFT_MODULES
    | {PROJECT_ROOT / "emitters" / name for name in ("context.py", "drafting.py", "registry.py")}
    | {PROJECT_ROOT / "dagster_project" / "assets" / name for name in ("emitters.py", "emitter_support.py")}
)


@pytest.mark.parametrize("path", EMITTER_MODULES, ids=lambda p: p.name)
def test_no_emitter_module_imports_the_ledger_tables_or_queries_the_warehouse(path):
    imports = _imports(path)
    # The ledger's public API (the Ledger facade and the User it is called with) is allowed; its modules and
    # tables (ledger.schema, ledger.queue, ...) are not.
    public_api = {"ledger", "ledger.Ledger", "ledger.User"}
    assert not {
        name
        for name in imports
        if "ledger" in name.split(".")[-2:]
        and name not in public_api
        and "Ledger" not in name
        and not name.endswith("LedgerResource")
    }, f"{path.name} imports the ledger's module"
    assert not {name for name in imports if name.split(".")[0] == "sqlalchemy"}, f"{path.name} imports sqlalchemy"
    if path in DRAFT_MODULES:  # a draft function is given rows; it never runs SQL itself
        assert "duckdb" not in imports and ".execute(" not in path.read_text(encoding="utf-8"), path.name


def test_the_import_check_catches_a_ledger_table_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from .ledger import actions\n", encoding="utf-8")
    assert ".ledger.actions" in _imports(module)


# ----- set aside, never stop, through the real asset -------------------------------------------------------

CANARY_FIRST, CANARY_LAST, CANARY_DOB = "Quillonette", "Zephyrwick", date(2018, 2, 28)
CANARY_VALUES = [CANARY_FIRST, CANARY_LAST, "2018-02-28", "02/28/2018"]


def _poc_row(flag_id: str, patient_id: str, plan_of_care_id: str) -> dict:
    return make_poc_flag_row(flag_id=flag_id, patient_id=patient_id, plan_of_care_id=plan_of_care_id)


def _build_poc_tables(warehouse: Path) -> None:
    """Empty tables for every declared input, and two plan-of-care flags: the EHR gave the canary child's plan of
    care an id carrying her last name, so the title the template builds would name her."""
    flags = pl.DataFrame([_poc_row("f-canary", "P-CANARY", f"POC-{CANARY_LAST}"), _poc_row("f-ok", "P-OK", "POC-2")])
    patients = pl.DataFrame(
        [
            {
                "patient_id": "P-CANARY",
                "first_name": CANARY_FIRST,
                "last_name": CANARY_LAST,
                "date_of_birth": CANARY_DOB,
                "primary_care_physician_npi": "1234567893",
            },
            {
                "patient_id": "P-OK",
                "first_name": "Synth",
                "last_name": "Childe",
                "date_of_birth": date(2019, 4, 5),
                "primary_care_physician_npi": "1234567893",
            },
        ]
    )
    locations = pl.DataFrame(
        [
            {
                "location_id": "L1",
                "location_name": "Austin clinic",
                "address_line": "1 Test St",
                "city": "Austin",
                "state": "TX",
                "zip": "78701",
                "facility_npi": "1999999984",
            }
        ]
    )
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        for model in ALL_INPUTS:
            con.execute(f"create table marts.{model} (flag_id varchar)")
        for model, frame in (
            ("flag_plan_of_care_followups", flags),
            ("packet_plan_of_care_patients", patients),
            ("packet_locations", locations),
        ):
            con.execute(f"drop table marts.{model}")
            con.register("frame", frame.to_arrow())
            con.execute(f"create table marts.{model} as select * from frame")
            con.unregister("frame")


def test_a_draft_failing_its_check_is_set_aside_and_everything_else_goes_on(workspace, emitter_assets, caplog):
    data_dir, warehouse, ledger_url = workspace
    _build_poc_tables(warehouse)

    poc = emitter_assets["poc_signature_request_drafts"]
    others = [emitter_assets["referral_callback_drafts"], emitter_assets["note_fix_task_drafts"]]
    with caplog.at_level(logging.DEBUG):
        result = dg.materialize(
            [poc, *others],
            resources={"warehouse": WarehouseResource(path=str(warehouse)), "ledger": LedgerResource(url=ledger_url)},
        )
    assert result.success  # the failing draft stopped nothing

    [materialization] = [
        m.materialization
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey("poc_signature_request_drafts")
    ]
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["drafted"] == 1 and metadata["set_aside_count"] == 1 and metadata["flag_rows"] == 2
    [item] = metadata["set_aside"]
    assert item["flag_id"] == "f-canary" and item["action_type"] == "poc_signature_request"
    assert "title contains a patient identifier" in item["reason"] and "flag_plan_of_care_followups" in item["reason"]
    stored = read_set_asides(data_dir / "warehouse" / "set_aside.json")
    assert [i["flag_id"] for i in stored["poc_signature_request"]["items"]] == ["f-canary"]

    reader = User(username="t", display_name="t", role="admin", locations=frozenset({"*"}))
    drafted = Ledger(ledger_url).list_actions(reader, action_types=["poc_signature_request"])
    assert [a["flag_id"] for a in drafted] == ["f-ok"]

    events = "\n".join(str(event) for event in result.all_events)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    set_aside_file = (data_dir / "warehouse" / "set_aside.json").read_text(encoding="utf-8")
    assert "set aside" in events and "f-canary" in events  # the warning reached the run's event log
    for text in (events, logged, set_aside_file, str(metadata)):
        for value in CANARY_VALUES:
            assert value.lower() not in text.lower()


def test_flagged_dollars_sum_the_declared_column_exactly():
    from dagster_project.assets.emitter_support import flagged_dollars

    rows = [{"dollars_at_risk": Decimal("10.10")}, {"dollars_at_risk": 0.2}, {"dollars_at_risk": None}]
    assert flagged_dollars(rows, "dollars_at_risk") == Decimal("10.30")
    assert flagged_dollars(rows, None) == Decimal("0.00")


def test_registry_draft_command_prints_drafts_and_set_asides_without_writing(workspace, capsys):
    from emitters.registry import main

    data_dir, warehouse, _ = workspace
    assert main(["draft", "poc_signature_request", "--warehouse", str(warehouse)]) == 2  # not built yet
    assert "no warehouse" in capsys.readouterr().out
    _build_poc_tables(warehouse)
    assert main(["draft", "referral_callback", "--warehouse", str(warehouse)]) == 0  # an empty flag table
    assert "0 rows in flag_referral_responses_overdue, 0 drafts" in capsys.readouterr().out
    assert main(["draft", "poc_signature_request", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "2 rows in flag_plan_of_care_followups, 1 drafts, 1 set aside" in out
    assert "SET ASIDE Plan of care sent for signature for flag f-canary" in out
    assert "Signature follow-up: plan of care POC-2 (follow-up 6)" in out
    assert all(value.lower() not in out.lower() for value in CANARY_VALUES)
    assert not (data_dir / "warehouse" / "set_aside.json").exists() and not (data_dir / "ledger.sqlite").exists()
