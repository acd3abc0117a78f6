"""Which flags a run drafts: a flag's input hash moves with its own row and the packet rows it reads, and with
nothing else; a flag is skipped only when its live draft came from the same inputs or a person decided it. The
rows are digested by the warehouse's SQL (emitters/warehouse_inputs.py), here an in-memory DuckDB."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from core.settings import get_settings
from emitters.changes import TypeInputs, rows_to_draft
from emitters.context import LOCATIONS_PACKET, RECIPIENTS_PACKET
from emitters.registry import ACTION_TYPES
from emitters.warehouse_inputs import WarehouseInputs, row_digest_sql
from tests.emitters.conftest import marts_of

# Reads packet_plan_of_care_patients by patient_id, and the letterhead; taken here as a type that reads the as-of
# date and its day counts (the registered one is dated on approval: the last test below).
POC = dataclasses.replace(ACTION_TYPES["poc_signature_request"], as_of_columns=None, due_days_after_raised=None)


@pytest.fixture(autouse=True)
def as_of(monkeypatch):
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-02")


def _flag(n: int, **overrides) -> dict:
    return {"flag_id": f"f-{n}", "patient_id": f"P{n}", "signature_age_days": 51, **overrides}


def _patient(n: int, **overrides) -> dict:
    return {"patient_id": f"P{n}", "first_name": "Synth", **overrides}


def _input_hashes(declared, tables: dict[str, list[dict]], as_of: date, settings=None) -> dict[str, str]:
    empty = {RECIPIENTS_PACKET: ("recipient_kind", "recipient_id", "address")}
    warehouse = WarehouseInputs(marts_of(tables, {m: c for m, c in empty.items() if m in declared.packet_models}))
    inputs = TypeInputs(declared, as_of, settings or get_settings(), warehouse)
    return inputs.input_hashes(warehouse.flag_index((declared,)))


def _hashes(flags, patients, clinic="Austin clinic", as_of=date(2026, 3, 2)) -> dict[str, str]:
    tables = {
        POC.flag_model: flags,
        "packet_plan_of_care_patients": patients,
        LOCATIONS_PACKET: [{"location_id": "L1", "location_name": clinic}],
    }
    return _input_hashes(POC, tables, as_of)


def test_a_flag_hash_moves_with_its_own_row_and_its_own_packet_rows_only():
    flags, patients = [_flag(1), _flag(2)], [_patient(1), _patient(2)]
    base = _hashes(flags, patients)
    assert base == _hashes(list(reversed(flags)), list(reversed(patients)))  # row order is no input

    new_patient = _hashes([*flags, _flag(3)], [*patients, _patient(3)])
    assert new_patient["f-1"] == base["f-1"] and new_patient["f-2"] == base["f-2"]

    renamed = _hashes(flags, [_patient(1), _patient(2, first_name="Other")])
    assert renamed["f-1"] == base["f-1"] and renamed["f-2"] != base["f-2"]

    aged = _hashes([_flag(1), _flag(2, signature_age_days=52)], patients)
    assert aged["f-1"] == base["f-1"] and aged["f-2"] != base["f-2"]


def test_what_every_flag_reads_moves_every_hash():
    flags, patients = [_flag(1), _flag(2)], [_patient(1), _patient(2)]
    base = _hashes(flags, patients)
    for changed in (_hashes(flags, patients, clinic="Renamed"), _hashes(flags, patients, as_of=date(2026, 3, 3))):
        assert all(changed[flag_id] != base[flag_id] for flag_id in base)


def test_a_keyed_packet_whose_rows_lack_the_key_counts_whole_for_every_flag():
    flags = [_flag(1), _flag(2)]
    base = _hashes(flags, [{"someone": "a"}])
    changed = _hashes(flags, [{"someone": "b"}])
    assert all(changed[flag_id] != base[flag_id] for flag_id in base)


def test_skipped_are_live_drafts_of_the_same_inputs_and_decided_actions():
    rows = [_flag(n) for n in range(1, 8)]
    hashes = {row["flag_id"]: f"h{row['flag_id']}" for row in rows}
    stored = {
        "f-1": ("hf-1", "open"),  # same inputs, live: skipped
        "f-2": ("old", "open"),  # changed inputs: drafted
        "f-3": ("hf-3", "snoozed"),  # same inputs, snoozed: skipped
        "f-4": ("old", "approved"),  # a person decided: skipped whatever the inputs
        "f-5": ("hf-5", "auto_resolved"),  # raised again: drafted so it reopens
        "f-6": (None, "open"),  # drafted before hashes were stored: drafted
    }  # f-7 is new: drafted
    assert [r["flag_id"] for r in rows_to_draft(POC, rows, hashes, stored)] == ["f-2", "f-5", "f-6", "f-7"]


def test_a_flag_to_draft_brings_its_whole_batch_and_a_type_reading_the_ledger_drafts_everything():
    batched = dataclasses.replace(POC, batch_key="patient_id")
    rows = [_flag(1), _flag(2, patient_id="P1"), _flag(3)]
    hashes = {row["flag_id"]: "same" for row in rows}
    stored = {"f-1": ("same", "open"), "f-2": ("old", "open"), "f-3": ("same", "open")}
    assert [r["flag_id"] for r in rows_to_draft(batched, rows, hashes, stored)] == ["f-1", "f-2"]
    history = dataclasses.replace(POC, reads_ledger_history=True)
    assert rows_to_draft(history, rows, hashes, dict.fromkeys(hashes, ("same", "open"))) == rows


def test_where_the_data_folder_lives_is_no_input_but_a_drafting_setting_is(monkeypatch, tmp_path):
    flags, patients = [_flag(1)], [_patient(1)]
    base = _hashes(flags, patients)
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path / "moved"))
    assert _hashes(flags, patients) == base
    monkeypatch.setenv("RCM_CLAIMS_TIMELY_FILING_LEAD_DAYS", "45")
    assert _hashes(flags, patients) != base


def test_a_type_dated_on_approval_hashes_neither_the_as_of_date_nor_the_columns_that_follow_from_it():
    statement = ACTION_TYPES["patient_statement"]
    assert statement.as_of_columns == ("as_of_date",)

    def input_hash(as_of: date, dollars_at_risk: str = "43.00") -> str:
        settings = get_settings().model_copy(update={"as_of_date": as_of})  # a nightly run: RCM_AS_OF_DATE unset
        row = {"flag_id": "f-1", "as_of_date": as_of, "dollars_at_risk": dollars_at_risk}
        lines = [{"flag_id": "f-1", "as_of_date": as_of, "line_amount": "43.00"}]
        tables = {statement.flag_model: [row], "packet_statement_lines": lines}
        tables |= {model: [{"location_id": "L1"}] for model in statement.packet_models if model not in tables}
        return _input_hashes(statement, tables, as_of, settings)["f-1"]

    base = input_hash(date(2026, 3, 2))
    assert input_hash(date(2026, 3, 3)) == base  # the next day, the same data: nothing to redraft
    assert input_hash(date(2026, 3, 3), dollars_at_risk="44.00") != base  # the family paid less: redrafted


def test_a_row_digest_tells_apart_rows_whose_values_only_read_alike():
    con = marts_of({"t": [{"a": "x|y", "b": "z"}, {"a": "x", "b": "y|z"}, {"a": "", "b": None}, {"a": None, "b": ""}]})
    digests = [digest for (digest,) in con.execute(f"select {row_digest_sql(('a', 'b'))} from marts.t").fetchall()]
    assert len(set(digests)) == 4


def test_a_flag_of_a_packet_key_no_row_carries_hashes_an_empty_slice_and_a_new_row_there_moves_it():
    flags, patients = [_flag(1), _flag(2)], [_patient(1)]
    base = _hashes(flags, patients)
    assert _hashes(flags, [*patients, _patient(2)])["f-2"] != base["f-2"]
    assert _hashes(flags, [*patients, _patient(3)]) == base  # a patient no flag reads
