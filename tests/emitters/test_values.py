"""emitters.values: the one conversion of flag-row values into dates and evidence JSON."""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from emitters.values import as_date, jsonable


@pytest.mark.parametrize(
    "value, expected",
    [
        (date(2026, 3, 2), date(2026, 3, 2)),
        (datetime(2026, 3, 2, 23, 59), date(2026, 3, 2)),
        (pd.Timestamp("2026-03-02 08:00"), date(2026, 3, 2)),
        ("2026-03-02", date(2026, 3, 2)),
        ("2026-03-02T10:15:00", date(2026, 3, 2)),
        (None, None),
        ("", None),
        ("  ", None),
        (pd.NaT, None),
        (float("nan"), None),
    ],
)
def test_as_date_reads_every_shape_a_flag_row_arrives_in(value, expected):
    assert as_date(value) == expected


def test_as_date_refuses_a_value_that_is_not_a_date():
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        as_date("not a date")


@pytest.mark.parametrize(
    "value, expected",
    [
        (date(2026, 3, 2), "2026-03-02"),
        (Decimal("120.50"), "120.50"),  # money stays exact text, never a float
        (np.int64(7), 7),
        (np.float64(0.8333333), 0.8333),
        (0.123456, 0.1235),
        (pd.NaT, None),
        (float("nan"), None),
        (None, None),
        ("L01", "L01"),
        ("   ", None),  # a blank text is missing, as in every other helper
        (True, True),
        (12, 12),
        (Decimal("NaN"), None),
        (datetime(2026, 3, 2, 8, 30), "2026-03-02T08:30:00"),  # a moment keeps its time
        (pd.Timestamp("2026-03-02 08:30"), "2026-03-02T08:30:00"),
    ],
)
def test_jsonable_makes_evidence_valid_json(value, expected):
    converted = jsonable(value)
    assert converted == expected and type(converted) is type(expected)
    json.dumps(converted, allow_nan=False)  # raises on NaN / infinity


def test_nan_never_reaches_the_evidence_as_nan():
    assert not isinstance(jsonable(math.nan), float)
