"""Corrections and removals stick: a corrected redelivery replaces the file it corrects in every mart, the
file ledger records which delivery superseded which, and a WebPT export_flag removal disappears from the marts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pytest

from dagster_project.adapters import load_mapping, mapping_path, run_adapter
from dagster_project.ingest.loader import delivered_as, load_source
from tests.dbt.conftest import invoke_dbt

CHARGE_HEADER = "visit_id,line_number,cpt_code,modifiers,minutes,units,charge_amount\n"
VISIT_HEADER = (
    "visit_id,appointment_id,patient_id,provider_id,location_id,coverage_id,claim_id,date_of_service,"
    "place_of_service,rendering_npi,authorization_number,diagnosis_codes,note_signed_at\n"
)
ORIGINAL = CHARGE_HEADER + "V1,1,97530,,30,2,100.00\nV1,2,97110,,15,1,80.00\nV1,3,97112,,15,1,60.00\n"
# The 97110 line was keyed in error: the correction drops it and renumbers 97112 from line 3 to line 2.
CORRECTED = CHARGE_HEADER + "V1,1,97530,,30,2,100.00\nV1,2,97112,,15,1,60.00\n"

WEBPT_CHARGE_COLUMNS = [
    "record_id",
    "visit_date",
    "record_pointer",
    "cpt",
    "clinic_id",
    "patient_id",
    "case_id",
    "visit_id",
    "therapist_id",
    "cosign_therapist_id",
    "insurance_id",
    "insurance_type_id",
    "units",
    "charge_amount",
    "note_type",
    "cpt_modifier",
    "modified_date",
    "note_finalized_date",
    "minutes",
    "export_flag",
]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _webpt_charges(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=WEBPT_CHARGE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for pointer, cpt, amount, flag in rows:
        row = dict.fromkeys(WEBPT_CHARGE_COLUMNS, "")
        row.update(
            record_id=pointer,
            record_pointer=pointer,
            cpt=cpt,
            visit_id="V2",
            units="1",
            minutes="15",
            charge_amount=amount,
            clinic_id="L1",
            patient_id="P2",
            export_flag=flag,
        )
        writer.writerow(row)
    _write(path, out.getvalue())


def _ledger(con) -> list[tuple]:
    return con.execute(
        "select superseded_file_name, superseding_file_name, entity from ingest.file_supersessions order by 1, 2"
    ).fetchall()


def test_correction_marker_names_the_file_it_corrects():
    assert delivered_as("charge_lines_20261101.correction.csv") == "charge_lines_20261101.csv"
    assert delivered_as("charge_lines_20261101.correction-2.csv") == "charge_lines_20261101.csv"
    assert delivered_as("charge_lines_20261101.csv") == "charge_lines_20261101.csv"
    assert delivered_as("charge_lines_correction.csv") == "charge_lines_correction.csv"  # a suffix, not a marker


def test_ledger_shows_which_delivery_superseded_which(tmp_path):
    inbox, con = tmp_path / "inbox", duckdb.connect()
    _write(inbox / "ehr" / "charge_lines_20261101.csv", ORIGINAL)
    load_source(con, "ehr", inbox, tmp_path / "q")
    _write(inbox / "ehr" / "charge_lines_20261101.correction.csv", CORRECTED)
    report = load_source(con, "ehr", inbox, tmp_path / "q")

    correction = next(f for f in report.files if f.file_name.endswith(".correction.csv"))
    assert correction.supersedes == ["charge_lines_20261101.csv"]
    assert _ledger(con) == [("charge_lines_20261101.csv", "charge_lines_20261101.correction.csv", "charge_lines")]
    # A second correction replaces the first (which already replaced the original): one current version.
    _write(inbox / "ehr" / "charge_lines_20261101.correction-2.csv", CORRECTED.replace("60.00", "65.00"))
    load_source(con, "ehr", inbox, tmp_path / "q")
    assert _ledger(con) == [
        ("charge_lines_20261101.correction.csv", "charge_lines_20261101.correction-2.csv", "charge_lines"),
        ("charge_lines_20261101.csv", "charge_lines_20261101.correction.csv", "charge_lines"),
    ]


def test_correction_of_a_file_named_after_its_entity_alone(tmp_path):
    inbox, con = tmp_path / "inbox", duckdb.connect()
    _write(inbox / "ehr" / "charge_lines.csv", ORIGINAL)
    _write(inbox / "ehr" / "charge_lines.correction.csv", CORRECTED)
    report = load_source(con, "ehr", inbox, tmp_path / "q")
    assert [(f.file_name, f.entity, f.status) for f in report.files] == [
        ("charge_lines.csv", "charge_lines", "loaded"),
        ("charge_lines.correction.csv", "charge_lines", "loaded"),
    ]
    assert _ledger(con) == [("charge_lines.csv", "charge_lines.correction.csv", "charge_lines")]


def test_original_arriving_after_its_correction_is_superseded_at_once(tmp_path):
    inbox, con = tmp_path / "inbox", duckdb.connect()
    _write(inbox / "ehr" / "charge_lines_20261101.correction.csv", CORRECTED)
    load_source(con, "ehr", inbox, tmp_path / "q")
    _write(inbox / "ehr" / "charge_lines_20261101.csv", ORIGINAL)
    report = load_source(con, "ehr", inbox, tmp_path / "q")

    late = next(f for f in report.files if f.file_name == "charge_lines_20261101.csv")
    assert late.status == "loaded" and late.superseded_by == "charge_lines_20261101.correction.csv"
    assert _ledger(con) == [("charge_lines_20261101.csv", "charge_lines_20261101.correction.csv", "charge_lines")]


def test_correction_and_original_in_one_delivery_load_in_that_order(tmp_path):
    inbox, con = tmp_path / "inbox", duckdb.connect()
    _write(inbox / "ehr" / "charge_lines_20261101.csv", ORIGINAL)
    _write(inbox / "ehr" / "charge_lines_20261101.correction.csv", CORRECTED)
    report = load_source(con, "ehr", inbox, tmp_path / "q")
    assert [f.file_name for f in report.files] == ["charge_lines_20261101.csv", "charge_lines_20261101.correction.csv"]
    assert _ledger(con) == [("charge_lines_20261101.csv", "charge_lines_20261101.correction.csv", "charge_lines")]


def test_rejected_correction_supersedes_nothing(tmp_path):
    inbox, con = tmp_path / "inbox", duckdb.connect()
    _write(inbox / "ehr" / "charge_lines_20261101.csv", ORIGINAL)
    load_source(con, "ehr", inbox, tmp_path / "q")
    _write(inbox / "ehr" / "charge_lines_20261101.correction.csv", "visit_id,oops\nV1,1\n")
    report = load_source(con, "ehr", inbox, tmp_path / "q")
    assert [f.status for f in report.files if f.file_name.endswith("correction.csv")] == ["rejected"]
    assert _ledger(con) == []  # the original stays current: a broken correction must not wipe it


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    """Native correction for visit V1 and a WebPT export_flag removal for visit V2, then one dbt build."""
    tmp = tmp_path_factory.mktemp("corrections")
    inbox, warehouse = tmp / "inbox", tmp / "rcm.duckdb"
    visit = "{v},A{v},P{v},PR1,L1,C1,CL-{v},2026-11-02,11,1234567893,,F82,\n"
    _write(inbox / "ehr" / "visits.csv", VISIT_HEADER + visit.format(v="V1") + visit.format(v="V2"))
    _write(inbox / "ehr" / "charge_lines_20261101.csv", ORIGINAL)
    con = duckdb.connect(str(warehouse))
    load_source(con, "ehr", inbox, tmp / "q")
    _write(inbox / "ehr" / "charge_lines_20261101.correction.csv", CORRECTED)
    load_source(con, "ehr", inbox, tmp / "q")

    webpt = load_mapping(mapping_path("webpt"))
    drop, state = tmp / "drop", tmp / "state"
    _webpt_charges(drop / "charges_20261102.csv", [("R1", "97530", "100.00", "1"), ("R2", "97110", "80.00", "1")])
    run_adapter(webpt, drop_dir=drop, state_dir=state, inbox_dir=inbox)
    load_source(con, "ehr", inbox, tmp / "q")
    _webpt_charges(drop / "charges_20261103.csv", [("R1", "97530", "100.00", "3")])  # R1 removed
    run_adapter(webpt, drop_dir=drop, state_dir=state, inbox_dir=inbox)
    report = load_source(con, "ehr", inbox, tmp / "q")
    supersessions = _ledger(con)
    con.close()

    result = invoke_dbt(
        "build",
        "--select",
        "+fct_visit_claim_reconciliation",
        "--exclude",
        "resource_type:test",
        "resource_type:unit_test",
        warehouse=warehouse,
        work_dir=tmp,
        as_of="2026-11-15",
    )
    assert result.success, result.exception
    con = duckdb.connect(str(warehouse))  # dbt-duckdb keeps its in-process connection: same configuration
    yield con, report, supersessions
    con.close()


def test_corrected_redelivery_replaces_the_file_in_the_marts(marts):
    con, _, _ = marts
    lines = con.execute(
        "select line_number, cpt_code, charge_amount from staging.stg_ehr__charge_lines "
        "where visit_id = 'V1' order by 1"
    ).fetchall()
    assert [(n, cpt, str(amount)) for n, cpt, amount in lines] == [(1, "97530", "100.00"), (2, "97112", "60.00")]
    # The removed 97110 is gone and the renumbered 97112 counts once (not as lines 2 and 3).
    (count, amount) = con.execute(
        "select charge_line_count, charge_amount from marts.fct_visit_claim_reconciliation where visit_id = 'V1'"
    ).fetchone()
    assert (count, str(amount)) == (2, "160.00")


def test_webpt_export_flag_removal_is_gone_from_the_marts(marts):
    con, report, supersessions = marts
    assert ("charge_lines_webpt.csv", "charge_lines_webpt.csv", "charge_lines") in supersessions
    rewritten = next(f for f in report.files if f.file_name == "charge_lines_webpt.csv")
    assert rewritten.supersedes == ["charge_lines_webpt.csv"]
    # R1 (97530) was removed; R2 is now line 1 of V2, and the earlier line 2 (also R2) is not counted again.
    lines = con.execute(
        "select line_number, cpt_code from staging.stg_ehr__charge_lines where visit_id = 'V2'"
    ).fetchall()
    assert lines == [(1, "97110")]
    (count, amount) = con.execute(
        "select charge_line_count, charge_amount from marts.fct_visit_claim_reconciliation where visit_id = 'V2'"
    ).fetchone()
    assert (count, str(amount)) == (1, "80.00")


def test_supersessions_are_published_with_the_file_ledger(tmp_path):
    from datetime import date

    from dagster_project.publish import publish_snapshot

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        _write(inbox / "ehr" / "charge_lines_20261101.csv", ORIGINAL)
        load_source(con, "ehr", inbox, tmp_path / "q")
        _write(inbox / "ehr" / "charge_lines_20261101.csv", CORRECTED)  # the same name again, new bytes
        load_source(con, "ehr", inbox, tmp_path / "q")
    result = publish_snapshot(warehouse, tmp_path / "serving.json", date(2026, 11, 15), "run-1")
    with duckdb.connect(str(result.snapshot_path), read_only=True) as snap:
        rows = snap.execute(
            "select superseded_file_name, superseding_file_name, "
            "superseded_sha256 <> superseding_sha256 from ingest_file_supersessions"
        ).fetchall()
    assert rows == [("charge_lines_20261101.csv", "charge_lines_20261101.csv", True)]
