"""Every page, as every role, speaks plain words: no raw column name of the marts, no snake_case code, no
`None`, `nan`, `NaT`, midnight `00:00:00` or UTC time in anything a person sees, and every chart has a title
and axis titles.

Pages are rendered on the full test snapshot (every dashboard test module's marts) with AppTest. The sign-in,
account and user-administration pages are not walked here (their own tests cover them).
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from core.vocabulary import ROLES

PAGES = [
    "overview",
    "board",
    "authorizations",
    "claims",
    "denials",
    "intake",
    "eligibility",
    "quarantine",
    "credentialing",
    "schedule",
    "audit",
    "payroll",
]
FORBIDDEN = [re.compile(p) for p in (r"\bNone\b", r"\bnan\b", r"\bNaN\b", r"\bNaT\b", r" 00:00:00", r"\bUTC\b")]
WIDGETS = {
    "selectbox",
    "multiselect",
    "radio",
    "select_slider",
    "checkbox",
    "toggle",
    "number_input",
    "date_input",
    "text_input",
    "text_area",
    "slider",
}
QUOTED_COLUMNS = ("Why it was quarantined",)
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _visible_text(at) -> tuple[list[str], list[dict]]:
    """What a person sees (text of every element, widget labels and options, table headers and cells) and the
    Vega-Lite specs of the charts."""
    texts: list[str] = []
    charts: list[dict] = []

    def walk(node):
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        kind = getattr(node, "type", None)
        if kind == "dataframe":
            frame = node.value
            texts.extend(str(c) for c in frame.columns)
            assert not frame.isna().any().any(), f"a table shows empty cells as None: {list(frame.columns)}"
            # A quarantine reason names the extract's own column header (what to fix in the file): kept as written.
            cells = frame.drop(columns=[c for c in QUOTED_COLUMNS if c in frame])
            texts.extend(str(v) for v in cells.astype(str).to_numpy().ravel())
            return
        proto = getattr(node, "proto", None)
        if kind == "arrow_vega_lite_chart" or (proto is not None and hasattr(proto, "spec") and proto.spec):
            charts.append(json.loads(proto.spec))
            return
        # A widget's value is the raw option; what it shows is in `options` (formatted).
        attributes = (
            ("label", "options", "placeholder", "help")
            if kind in WIDGETS
            else ("value", "label", "delta", "options", "placeholder", "help")
        )
        for attribute in attributes:
            try:
                value = getattr(node, attribute)
            except Exception:  # noqa: BLE001, S112 - an element without that attribute
                continue
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, list | tuple):
                texts.extend(str(v) for v in value)

    walk(at._tree)
    # Markdown elements carry escaped text (`location\_id`): compare what the reader sees.
    return [t.replace("\\", "") for t in texts if t], charts


def _mart_columns(path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("select distinct column_name from information_schema.columns").fetchall()
    return {name for (name,) in rows if "_" in name}


def _user(role: str):
    from ledger import User

    locations = {"L01"} if role == "front_desk" else {"*"}
    return User(
        username=f"{role}1", display_name=f"Test {role.replace('_', ' ')}", role=role, locations=frozenset(locations)
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_plain_words(full_snapshot, ledger, app_test, page, role):
    at = app_test(page, user=_user(role)).run()
    assert not at.exception, at.exception
    texts, charts = _visible_text(at)
    raw_columns = _mart_columns(full_snapshot)
    problems = []
    for text in texts:
        for pattern in FORBIDDEN:
            if pattern.search(text):
                problems.append(f"{pattern.pattern!r} in {text[:120]!r}")
        for word in SNAKE.findall(text):
            problems.append(f"{'column name' if word in raw_columns else 'snake_case'} {word!r} in {text[:120]!r}")
    for spec in charts:
        if not spec.get("title"):
            problems.append(f"a chart without a title: {json.dumps(spec)[:160]}")
        encoding = spec.get("encoding", {})
        for axis in ("x", "y"):
            if axis in encoding and not encoding[axis].get("title"):
                problems.append(f"a chart's {axis} axis without a title")
    assert not problems, "\n".join(sorted(set(problems)))


def test_people_frame_formats_every_kind_of_cell():
    import pandas as pd

    from dashboards.ui.text import people_frame

    frame = pd.DataFrame(
        {
            "location_id": ["L01", "L02"],
            "dollars_at_risk": [12.5, None],
            "clean_claim_rate": [0.9512, None],
            "end_date": pd.to_datetime(["2026-03-02", None]),
            "received_at": pd.to_datetime(["2026-03-02 15:30:00", "2026-07-01 12:00:00"]),
            "is_flagged": [True, False],
            "hold_status": ["enrollment_pending", None],
        }
    )
    shown, _ = people_frame(frame, zones={"L02": "America/Los_Angeles"})
    assert list(shown.columns) == [
        "Location",
        "Dollars at risk",
        "Clean-claim rate",
        "End date",
        "Received",
        "Flagged",
        "Hold status",
    ]
    assert shown["Dollars at risk"].tolist() == ["$12.50", "—"]
    assert shown["Clean-claim rate"].tolist() == ["95.1%", "—"]
    assert shown["End date"].tolist() == ["Mar 2, 2026", "—"]
    # L01 has no zone of its own: the group's default (America/New_York); L02 reads Pacific time.
    assert shown["Received"].tolist() == ["Mar 2, 2026, 10:30 AM EST", "Jul 1, 2026, 5:00 AM PDT"]
    assert shown["Flagged"].tolist() == ["Yes", "No"]
    assert shown["Hold status"].tolist() == ["Enrollment pending", "—"]


def test_money_delta_has_no_arrow_for_no_change():
    from dashboards.ui.text import money_delta

    assert money_delta(100, 100) is None
    assert money_delta(100, 40) == "+$60.00 vs last month"
    assert money_delta(40, 100.004) == "-$60.00 vs last month"


def test_a_quarantine_reason_names_columns_in_words_and_keeps_file_names():
    from dashboards.ui import readable_reason

    assert readable_reason("line 2: duration_minutes 'forty-five' is not a whole number") == (
        "line 2: Duration minutes 'forty-five' is not a whole number"
    )
    delivered = "era_txmco1_20260831.835 was delivered before"
    assert readable_reason(delivered) == delivered
    assert readable_reason(None) is None
