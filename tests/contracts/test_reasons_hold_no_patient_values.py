"""Canaries: quarantine reasons name files, lines, columns and rules, never a patient's values."""

from __future__ import annotations

from pathlib import Path

import duckdb

from dagster_project.ingest.loader import load_source

PATIENT = "PT-CANARY-1,L01,Zelda,Quixote,2018-09-10,F,Quentin Quixote,(210) 555-8469,78704,2079336774"
PATIENT_VALUES = ["PT-CANARY-1", "Zelda", "Quixote", "2018-09-10", "Quentin", "555-8469", "78704", "2079336774"]
COVERAGE = "CV-CANARY-1,PT-CANARY-1,TXMCO1,Lone Star,STAR Kids,medicaid_mco,MEMBER99123,1,true,2024-08-15,"
VISIT_HEADER = (
    "visit_id,appointment_id,patient_id,provider_id,location_id,coverage_id,claim_id,date_of_service,"
    "place_of_service,rendering_npi,authorization_number,diagnosis_codes,note_signed_at"
)
VISIT = (
    "VS-CANARY-1,AP-1,PT-CANARY-1,PR-1,L01,CV-1,CL-1,2025-12-04,11,2193615897,,F84.0|ZQ9X|R27.8,2025-12-06T04:00:00Z"
)


def _reasons(tmp_path: Path, files: dict[str, str]) -> list[str]:
    inbox = tmp_path / "inbox" / "ehr"
    inbox.mkdir(parents=True)
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")
    con = duckdb.connect()
    load_source(con, "ehr", tmp_path / "inbox", tmp_path / "quarantine")
    reasons = [r for (r,) in con.execute("select reason from ingest.quarantine").fetchall()]
    reasons += [p.read_text() for p in (tmp_path / "quarantine").rglob("*.reason.txt")]
    return reasons


def _leaks(reasons: list[str], values: list[str]) -> list[str]:
    return [v for v in values for r in reasons if v in r]


def test_a_headerless_file_is_rejected_without_echoing_its_first_row(tmp_path):
    reasons = _reasons(tmp_path, {"patients.csv": PATIENT + "\n", "coverages.csv": COVERAGE + "\n"})
    assert len(reasons) == 4  # two files, each in the quarantine table and in its .reason.txt
    assert all("line 1: header does not match" in r and "is the header missing?" in r for r in reasons)
    assert _leaks(reasons, [*PATIENT_VALUES, "MEMBER99123"]) == []


def test_a_header_with_a_stray_value_names_it_by_position_only(tmp_path):
    header = "patient_id,location_id,first_name,last_name,date_of_birth,sex,guardian_name,guardian_phone,zip,2018-09-10"
    (reason, _) = _reasons(tmp_path, {"patients.csv": header + "\n" + PATIENT + "\n"})
    assert "unknown column(s) #10 (not a column name)" in reason
    assert "2018-09-10" not in reason


def test_a_bad_diagnosis_code_list_is_reported_by_position_not_by_code(tmp_path):
    (reason,) = _reasons(tmp_path, {"visits.csv": f"{VISIT_HEADER}\n{VISIT}\n"})
    assert reason == (
        "visits.csv: line 2: diagnosis_codes: Value error, not a valid ICD-10-CM code list: item(s) 2 of 3 do not match"
    )
    assert _leaks([reason], ["F84.0", "ZQ9X", "R27.8", "PT-CANARY-1"]) == []


def test_a_bad_patient_row_names_columns_only(tmp_path):
    bad = PATIENT.replace("2018-09-10", "2018-19-10").replace("(210) 555-8469", "phone: 555-8469x")
    (reason,) = _reasons(
        tmp_path,
        {
            "patients.csv": "patient_id,location_id,first_name,last_name,date_of_birth,sex,"
            "guardian_name,guardian_phone,zip,primary_care_physician_npi\n" + bad + "\n"
        },
    )
    assert "date_of_birth:" in reason and "guardian_phone:" in reason
    assert _leaks([reason], [*PATIENT_VALUES, "2018-19-10"]) == []
