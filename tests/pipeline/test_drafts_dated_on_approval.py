"""A type dated on approval (`ActionType.as_of_columns`) drafts the same documents from the same data on the next
day, so a nightly run leaves its queue untouched: checked on the pipeline's own flag rows, with the as-of date and
every column the type declares as following from it moved one day on."""

from __future__ import annotations

import dataclasses
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.approval_date import APPROVAL_DATE
from core.settings import get_settings
from emitters.changes import TypeInputs
from emitters.context import DraftContext
from emitters.drafting import as_of_of, draft_all, query_rows
from emitters.registry import ACTION_TYPES
from emitters.warehouse_inputs import WarehouseInputs
from tests.emitters.conftest import marts_of

DATED_ON_APPROVAL = sorted(name for name, declared in ACTION_TYPES.items() if declared.as_of_columns is not None)


def _a_day_later(value):
    """What a column that follows the as-of date holds on the next day."""
    if isinstance(value, date | datetime):
        return value + timedelta(days=1)
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return value + 1
    return value


def _next_day(rows: list[dict], as_of_columns: tuple[str, ...]) -> list[dict]:
    return [{column: _a_day_later(v) if column in as_of_columns else v for column, v in row.items()} for row in rows]


def test_some_types_are_dated_on_approval():
    assert "patient_statement" in DATED_ON_APPROVAL


@pytest.mark.parametrize("name", DATED_ON_APPROVAL)
def test_the_next_day_drafts_the_same_documents_and_hashes_the_same_inputs(pipeline, name):
    declared = ACTION_TYPES[name]
    with pipeline.snapshot() as con:  # the marts as published, the same on both warehouses
        inputs = {model: query_rows(con, f"select * from {model}") for model in declared.inputs}
    rows = inputs[declared.flag_model]
    assert rows, f"the pipeline raised no {name} flag to check"
    settings = get_settings()
    packets = {model: inputs[model] for model in declared.packet_models}
    today = DraftContext(
        as_of=as_of_of(rows, settings), settings=settings, packets=packets, control_numbers=_control_numbers
    )
    next_rows = _next_day(rows, declared.as_of_columns)
    next_packets = {model: _next_day(packet, declared.as_of_columns) for model, packet in packets.items()}
    tomorrow = dataclasses.replace(
        today,
        as_of=today.as_of + timedelta(days=1),
        settings=settings.model_copy(update={"as_of_date": settings.as_of_date + timedelta(days=1)}),
        now=today.now + timedelta(days=1),
        packets=next_packets,
    )

    drafts, set_aside = draft_all(declared, rows, today)
    next_drafts, next_set_aside = draft_all(declared, next_rows, tomorrow)

    assert not set_aside
    assert drafts or name in _NOT_DRAFTED_IN_THE_SAMPLE
    assert next_drafts == drafts and next_set_aside == set_aside
    assert _input_hashes(declared, {**next_packets, declared.flag_model: next_rows}, tomorrow) == _input_hashes(
        declared, inputs, today
    )
    # A document is dated when it is approved, never with the day it was drafted.
    assert any(APPROVAL_DATE in draft.body for draft in drafts) or name not in _DATED_DOCUMENTS


def _control_numbers(flag_ids) -> dict[str, int]:
    """A flag's interchange control number as the ledger allocates it: the same for the flag on every day."""
    return {flag_id: zlib.crc32(flag_id.encode()) % 999_999_999 + 1 for flag_id in flag_ids}


def _input_hashes(declared, tables: dict[str, list[dict]], ctx: DraftContext) -> dict[str, str]:
    """The flags' input hashes with these rows in the warehouse (digested by its SQL, as a run digests them)."""
    empty = {model: ("flag_id",) for model, rows in tables.items() if not rows}
    warehouse = WarehouseInputs(marts_of({model: rows for model, rows in tables.items() if rows}, empty))
    return TypeInputs(declared, ctx.as_of, ctx.settings, warehouse).input_hashes(warehouse.flag_index((declared,)))


# The types whose documents carry a date of their own (letters, statements); the rest are tasks without one.
_DATED_DOCUMENTS = {
    "patient_statement",
    "appeal_letter",
    "retro_auth_request",
    "referral_order_fax",
    "records_request",
    "underpayment_dispute",
    "unauthorized_visit_review",
    "credential_renewal",
    "enrollment_followup",
    "claim_hold_notice",
    "provider_record_fix",
    "exclusion_task",
    "payroll_discrepancy_report",
    "attendance_letter",
    "poc_signature_request",
}
# The sample group (3 locations, 6 months) has no Medicare denial a reopening corrects; its draft reads no date
# at all (tests/emitters/test_claims_denial_emitters.py drafts one). Missed-visit fees are off unless the group's
# policy turns them on (tests/emitters/test_missed_visit_fee.py drafts them).
_NOT_DRAFTED_IN_THE_SAMPLE = {"medicare_reopening", "missed_visit_fee"}
