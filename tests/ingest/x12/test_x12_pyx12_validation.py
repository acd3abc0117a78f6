"""validate_with_pyx12: implementation-guide errors as X12Issues with segment positions."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from dagster_project.ingest.x12 import validate_with_pyx12

FIXTURES = Path(__file__).parent / "fixtures"


def test_clean_fixtures_have_no_errors():
    assert validate_with_pyx12(FIXTURES / "clean_5010.835") == []
    assert validate_with_pyx12(FIXTURES / "reversal_5010.835") == []


def test_broken_fixture_errors_carry_segment_positions():
    issues = validate_with_pyx12(FIXTURES / "broken_codes_5010.835")
    assert issues and all(i.severity == "error" for i in issues)
    found = {(i.segment_position, i.segment_id) for i in issues}
    assert {(35, "CLP"), (36, "NM1"), (38, "DTM")} <= found
    clp = next(i for i in issues if i.segment_id == "CLP")
    assert "CLP02" in clp.message and "Claim Status Code" in clp.message


def test_values_in_name_segments_are_withheld():
    [nm1] = [i for i in validate_with_pyx12(FIXTURES / "broken_codes_5010.835") if i.segment_id == "NM1"]
    assert "(<value withheld>)" in nm1.message and "NM102" in nm1.message


def test_wrong_se_count_is_reported(tmp_path):
    path = tmp_path / "wrong_se.835"
    path.write_text((FIXTURES / "clean_5010.835").read_text().replace("SE*41*0001", "SE*40*0001"))
    issues = validate_with_pyx12(path)
    assert [(i.segment_id, i.segment_position) for i in issues] == [("ST", 43)]
    assert "40" in issues[0].message and "41" in issues[0].message


def test_a_file_pyx12_cannot_read_is_reported_as_not_validated(tmp_path):
    path = tmp_path / "not_x12.835"
    path.write_text("claim_id,amount\nC1,10.00\n")
    [issue] = validate_with_pyx12(path)
    assert issue.severity == "warning" and issue.segment_position is None
    assert issue.message.startswith("pyx12 did not validate the file")


def test_validation_writes_no_files_and_logs_nothing(tmp_path, monkeypatch, caplog):
    path = tmp_path / "broken.835"
    shutil.copy(FIXTURES / "broken_codes_5010.835", path)
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    assert validate_with_pyx12(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.835"]
    assert not [r for r in caplog.records if r.name.startswith("pyx12")]
    assert logging.getLogger("pyx12").propagate is True  # restored afterwards
