"""A type dated on approval (`ActionType.as_of_columns`) drafts the same documents from the same data on the next
day, so a nightly run leaves its queue untouched: checked on the pipeline's own flag rows, with the as-of date and
every column the type declares as following from it moved one day on."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.approval_date import APPROVAL_DATE
from core.settings import get_settings
from emitters.changes import TypeInputs
from emitters.context import DraftContext
from emitters.drafting import as_of_of, draft_all, query_rows
from emitters.registry import ACTION_TYPES

DATED_ON_APPROVAL = sorted(name for name, declared in ACTION_TYPES.items() if declared.as_of_columns is not None)


def _a_day_later(value):
    """What a column that follows the as-of date holds on the next day."""
    if isinstance(value, date | datetime):
        return value + timedelta(days=1)
    if isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        return value + 1
    return value


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
    today = DraftContext(as_of=as_of_of(rows, settings), settings=settings, packets=packets)
    tomorrow = dataclasses.replace(today, as_of=today.as_of + timedelta(days=1), now=today.now + timedelta(days=1))
    next_rows = [
        {column: _a_day_later(value) if column in declared.as_of_columns else value for column, value in row.items()}
        for row in rows
    ]

    drafts, set_aside = draft_all(declared, rows, today)
    next_drafts, next_set_aside = draft_all(declared, next_rows, tomorrow)

    assert drafts and not set_aside
    assert next_drafts == drafts and next_set_aside == set_aside
    assert TypeInputs(declared, tomorrow).input_hashes(next_rows) == TypeInputs(declared, today).input_hashes(rows)
    # A document is dated when it is approved, never with the day it was drafted.
    assert any(APPROVAL_DATE in draft.body for draft in drafts) or name not in _DATED_DOCUMENTS


# The types whose documents carry a date of their own (letters, statements); the rest are tasks without one.
_DATED_DOCUMENTS = {"patient_statement"}
