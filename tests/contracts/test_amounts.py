"""Contracts refuse nonsense amounts, with a reason naming the column and the rule, never the value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dagster_project.contracts import ChargeLine, FeeSchedule, Timesheet
from dagster_project.ingest.csv_reader import read_contract_csv

ROWS = {
    ChargeLine: (
        "visit_id,line_number,cpt_code,modifiers,minutes,units,charge_amount",
        "VS-1,1,97530,GP,40,3,{}",
        "charge_amount",
    ),
    FeeSchedule: (
        "payer_id,cpt_code,modifier,allowed_amount,effective_date,termination_date",
        "TXMCO1,97110,,{},2024-01-01,",
        "allowed_amount",
    ),
    Timesheet: (
        "timesheet_id,provider_id,location_id,work_date,pay_period_start,pay_period_end,hours,hours_type",
        "TS-1,PR-1,L01,2025-12-04,2025-12-01,2025-12-14,{},clinical",
        "hours",
    ),
}


def _read(contract, value: str):
    header, row, column = ROWS[contract]
    result = read_contract_csv(f"{header}\n{row.format(value)}\n".encode(), "f.csv", contract)
    return result, column


@pytest.mark.parametrize("contract", list(ROWS), ids=lambda c: c.__entity__)
@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("-12.50", "greater than or equal to 0"),
        ("-0.01", "greater than or equal to 0"),
        ("1e5", "exponent notation"),
        ("2E+1", "exponent notation"),
        ("12.505", "more than 2 decimal places"),
        ("12.500", "more than 2 decimal places"),
        ("NaN", "NaN or Infinity"),
        ("nan", "NaN or Infinity"),
        ("Infinity", "NaN or Infinity"),
        ("-inf", "NaN or Infinity"),
        ('"12,50"', "valid decimal"),
    ],
)
def test_a_nonsense_amount_is_rejected_naming_the_column(contract, value, rule):
    result, column = _read(contract, value)
    (reason,) = [r for _, _, r in result.rejected]
    assert reason.startswith(f"f.csv: line 2: {column}: ")
    assert rule in reason
    if any(ch.isdigit() for ch in value):  # the value itself is never echoed (the rule's own example aside)
        assert value.strip('"') not in reason.replace("(like 1e5)", "")
    assert result.frame.is_empty()


@pytest.mark.parametrize(
    ("contract", "too_big", "cap"),
    [(ChargeLine, "10000.01", "10000"), (FeeSchedule, "1000.01", "1000"), (Timesheet, "24.01", "24")],
    ids=lambda v: getattr(v, "__entity__", v),
)
def test_an_implausibly_large_amount_is_rejected_at_the_columns_cap(contract, too_big, cap):
    result, column = _read(contract, too_big)
    (reason,) = [r for _, _, r in result.rejected]
    assert reason == f"f.csv: line 2: {column}: Input should be less than or equal to {cap}"
    at_cap, _ = _read(contract, cap)
    assert not at_cap.rejected and at_cap.frame[column].to_list() == [Decimal(cap)]


@pytest.mark.parametrize("contract", list(ROWS), ids=lambda c: c.__entity__)
@pytest.mark.parametrize("value", ["0", "0.00", "7", "12.5", "12.50"])
def test_plain_amounts_load(contract, value):
    result, column = _read(contract, value)
    assert not result.rejected
    assert result.frame[column].to_list() == [Decimal(value).quantize(Decimal("0.01"))]
