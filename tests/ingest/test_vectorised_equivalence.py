"""The column-wise validation quarantines exactly what the row-wise contract would: same lines, same
reasons, and loads the same typed values."""

from __future__ import annotations

from typing import Annotated

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, ConfigDict, Field, model_validator

from dagster_project.contracts import (
    CONTRACTS,
    Appointment,
    Authorization,
    ChargeLine,
    Location,
    Patient,
    ScheduleTemplate,
    VisitNote,
)
from dagster_project.ingest import csv_reader
from dagster_project.ingest.csv_reader import FileRejected, read_contract_csv
from dagster_project.ingest.vectorised import compile_contract, row_wise_only

from .contract_corpus import (
    CELLS,
    VALID_ROWS,
    contract_named,
    header_of,
    mutated_rows,
    row_wise,
    to_csv,
    with_unique_key,
)

ENTITIES = sorted(VALID_ROWS)


def _typed(contract, rows: list[dict]) -> list[dict]:
    """Reference rows in the raw-table types, as the loader stores them."""
    schema = {**compile_contract(contract).schema(), "_line_number": pl.Int32}
    return pl.DataFrame(rows, schema=schema, strict=False).to_dicts()


def assert_same(data: bytes, contract, file_name: str = "x.csv") -> tuple[list, list]:
    try:
        expected_rows, expected_rejected = row_wise(data, file_name, contract)
    except FileRejected as exc:
        row_wise_rejection = exc
    else:
        row_wise_rejection = None
    if row_wise_rejection is not None:
        with pytest.raises(FileRejected) as err:
            read_contract_csv(data, file_name, contract)
        assert str(err.value) == str(row_wise_rejection)
        return [], []
    result = read_contract_csv(data, file_name, contract)
    assert result.rejected == expected_rejected
    assert result.frame.to_dicts() == _typed(contract, expected_rows)
    return expected_rows, expected_rejected


def test_every_contract_is_checked_column_wise_with_nothing_left_to_pydantic_alone():
    # A field or validator the generator cannot translate would send every row through pydantic.
    assert {c.__entity__: row_wise_only(c) for c in CONTRACTS} == {c.__entity__: [] for c in CONTRACTS}
    assert sorted(VALID_ROWS) == sorted(c.__entity__ for c in CONTRACTS)


@pytest.mark.parametrize("entity", ENTITIES)
def test_the_valid_row_loads_without_pydantic(entity, monkeypatch):
    contract = contract_named(entity)
    rows = [with_unique_key(contract, VALID_ROWS[entity].split(","), n) for n in range(3)]
    monkeypatch.setattr(contract, "model_validate", lambda *_: pytest.fail("pydantic was asked"))
    result = read_contract_csv(to_csv(header_of(contract), rows), "x.csv", contract)
    assert result.frame.height == 3 and not result.rejected


@pytest.mark.parametrize("split", ["native", "csv_module"])
@pytest.mark.parametrize("entity", ENTITIES)
def test_every_corpus_cell_in_every_column_matches_the_row_wise_contract(entity, split, monkeypatch):
    contract = contract_named(entity)
    rows = mutated_rows(contract)
    if split == "native":  # without the cells that make a file take the csv module
        rows = [r for r in rows if not any(ch in "".join(r) for ch in ',"\x00\x1c\x1d\x1e\x1f')]
        monkeypatch.setattr(csv_reader, "_split_with_csv_module", lambda *_: pytest.fail("csv module used"))
    loaded, rejected = assert_same(to_csv(header_of(contract), rows), contract)
    assert loaded and rejected  # the corpus exercises both outcomes for every contract


@pytest.mark.parametrize(
    ("contract", "cells"),
    [
        (Appointment, {"status": "cancelled", "cancelled_at": ""}),
        (Appointment, {"status": "arrived", "cancelled_at": "2025-11-20T10:00:00Z"}),
        (Appointment, {"status": "late_cancelled", "cancelled_at": "2025-11-20T10:00:00Z"}),
        (Authorization, {"start_date": "2026-05-24", "end_date": "2026-05-23"}),
        (ScheduleTemplate, {"start_time": "17:00", "end_time": "08:00"}),
        (ScheduleTemplate, {"end_date": "2025-11-03"}),
        (ScheduleTemplate, {"timezone": "Mars/Olympus"}),
        (Location, {"time_zone": "Mars/Olympus"}),
        (Location, {"time_zone": ""}),
        (VisitNote, {"time_block_start": "14:23", "time_block_end": "14:00"}),
        (VisitNote, {"time_block_start": "14:00", "time_block_end": "14:00"}),
        (VisitNote, {"time_block_start": "", "time_block_end": "14:23"}),
        (VisitNote, {"time_block_start": "14:00", "time_block_end": ""}),
        (VisitNote, {"time_block_start": "", "time_block_end": "", "separate_session": "true"}),
    ],
)
def test_rows_breaking_a_python_validator_match_the_row_wise_contract(contract, cells):
    header = header_of(contract)
    row = VALID_ROWS[contract.__entity__].split(",")
    for column, value in cells.items():
        row[header.index(column)] = value
    assert_same(to_csv(header, [row]), contract)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda c, h, r: to_csv(h, [r, r, with_unique_key(c, r, 99)]), id="duplicate-key"),
        pytest.param(lambda c, h, r: to_csv(h, [r, r[:-1], r + ["extra"]]), id="short-and-long-rows"),
        pytest.param(lambda c, h, r: to_csv(h, [r, [], [""] * len(h), ["  "] * len(h)]), id="blank-lines"),
        pytest.param(lambda c, h, r: to_csv(h, [r]).replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda c, h, r: to_csv(h, [r]) + b"no,trailing,newline", id="last-line-without-newline"),
        pytest.param(lambda c, h, r: to_csv(h, [r, [c + "\nmore" for c in r]]), id="quoted-newlines"),
        pytest.param(lambda c, h, r: to_csv(h, [[f'"{c}"' for c in r]]), id="escaped-quotes"),
        pytest.param(lambda c, h, r: to_csv(h, [r]) + b"a\x00b\n", id="nul-byte"),
        pytest.param(lambda c, h, r: to_csv(h, [r]) + b"a\rb\n", id="bare-carriage-return"),
        pytest.param(lambda c, h, r: to_csv(h, [r]) + b'"unterminated,' + b"x" * 10 + b"\n", id="unterminated-quote"),
        pytest.param(lambda c, h, r: to_csv(h, [r, ["z" * 140_000] + r[1:]]), id="field-over-the-csv-limit"),
        pytest.param(lambda c, h, r: b"\xef\xbb\xbf" + to_csv(h, [r]), id="byte-order-mark"),
        pytest.param(lambda c, h, r: to_csv(h, [r]) + "caf\u00e9".encode("latin-1"), id="wrong-encoding"),
        pytest.param(lambda c, h, r: to_csv(h, [r])[len(",".join(h)) + 1 :], id="headerless"),
        pytest.param(lambda c, h, r: b"", id="empty-file"),
        pytest.param(lambda c, h, r: to_csv(h + ["notes"], [r + ["x"]]), id="extra-column"),
        pytest.param(lambda c, h, r: to_csv(h[1:], [r[1:]]), id="missing-column"),
    ],
)
@pytest.mark.parametrize("entity", ["authorizations", "charge_lines", "patients", "fee_schedules"])
def test_file_shapes_match_the_row_wise_contract(entity, make):
    contract = contract_named(entity)
    assert_same(make(contract, header_of(contract), VALID_ROWS[entity].split(",")), contract)


def test_an_optional_column_left_out_of_the_header_loads_as_empty():
    header = header_of(Authorization)[:-1]  # no requested_at
    row = VALID_ROWS["authorizations"].split(",")[:-1]
    loaded, _ = assert_same(to_csv(header, [row]), Authorization)
    assert loaded[0]["requested_at"] is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), entity=st.sampled_from(ENTITIES))
def test_random_rows_match_the_row_wise_contract(data, entity):
    contract = contract_named(entity)
    header = header_of(contract)
    base = VALID_ROWS[entity].split(",")
    cell = st.one_of(st.sampled_from(CELLS), st.text(alphabet="0123456789-:.TZ+ |eE\u00a0aAF", max_size=12))
    rows = []
    for n in range(data.draw(st.integers(1, 6))):
        row = list(base)
        for column in data.draw(st.sets(st.integers(0, len(header) - 1), max_size=3)):
            row[column] = data.draw(cell)
        rows.append(with_unique_key(contract, row, n) if data.draw(st.booleans()) else row)
    assert_same(to_csv(header, rows), contract)


class _AuthorizationWithNewRule(Authorization):
    """A contract that grows a Python validator with no column-wise twin yet."""

    @model_validator(mode="after")
    def _at_most_sixty_visits(self):
        if self.unit_type == "visits" and self.approved_quantity > 60:
            raise ValueError("more than 60 visits in one authorization")
        return self


class _ChargeLineWithOddField(ChargeLine):
    """A contract with a field whose validator the generator does not know."""

    cpt_code: Annotated[str, AfterValidator(lambda v: v if not v.endswith("0") else _raise())]


def _raise():
    raise ValueError("code ends in 0")


@pytest.mark.parametrize(
    ("contract", "row_wise"),
    [(_AuthorizationWithNewRule, ["_at_most_sixty_visits"]), (_ChargeLineWithOddField, ["cpt_code"])],
)
def test_what_has_no_column_wise_form_is_validated_by_pydantic_never_skipped(contract, row_wise):
    assert row_wise_only(contract) == row_wise
    entity = contract.__mro__[1].__entity__
    rows = [with_unique_key(contract, VALID_ROWS[entity].split(","), n) for n in range(2)]
    _, rejected = assert_same(to_csv(header_of(contract), rows), contract)
    assert len(rejected) == 2  # the valid base row breaks the new rule in both cases


class _AuthorizationRedefiningARule(Authorization):
    @model_validator(mode="after")
    def _window_is_ordered(self):
        if (self.end_date - self.start_date).days > 365:
            raise ValueError("window longer than a year")
        return self


def test_a_validator_redefined_under_the_same_name_loses_its_twin():
    assert row_wise_only(_AuthorizationRedefiningARule) == ["_window_is_ordered"]
    assert row_wise_only(Authorization) == []


class _PatientWithLookAround(Patient):
    """A look-around pattern needs Python's re in pydantic; Polars' regex engine cannot run it."""

    model_config = ConfigDict(regex_engine="python-re")
    zip: str = Field(pattern=r"^(?!00000)\d{5}$")


def test_patterns_under_python_re_are_left_to_pydantic():
    # Every Field pattern of such a contract runs under Python's re semantics, so none is translated.
    assert row_wise_only(_PatientWithLookAround) == [
        "patient_id",
        "location_id",
        "guardian_phone",
        "zip",
        "primary_care_physician_npi",
    ]
    row = VALID_ROWS["patients"].split(",")
    rows = [row, with_unique_key(Patient, [*row[:8], "00000", row[9]], 1)]
    _, rejected = assert_same(to_csv(header_of(Patient), rows), _PatientWithLookAround)
    assert [line for line, _, _ in rejected] == [3]
