"""Nothing from the extracts is rendered as code: a clinic, payer, provider or patient-facing string holding
Markdown, a link or HTML is shown as plain text on every page.

Every free-text column of the snapshot and the drafts' titles and recipients carry the payload below. Streamlit
renders Markdown in headings, captions, alerts, metric labels/values/deltas, widget labels, radio options,
button and expander labels and help tooltips; plain text in st.text, st.code, table cells (no link or Markdown
column is configured, see test_dashboard_conventions) and select options. So the raw payload may appear only
in those plain fields, and must appear (raw or escaped) on every page that shows extract data.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import duckdb
import pytest

PAYLOAD = "[x](http://evil) **bold** <img src=x onerror=alert(1)>"
LIVE_MARKUP = ("](http", "**bold**", "<img")  # what Markdown would turn into a link, bold text or an image
# Columns a person reads as words (names, reasons, fixes, labels), as opposed to ids, codes and enums that
# the pages branch on.
FREE_TEXT_COLUMNS = {
    "location_name",
    "city",
    "payer_name",
    "primary_payer_name",
    "provider_name",
    "failure_detail",
    "fix",
    "rule_name",
    "rule_text",
    "procedure_code",
    "flag_reasons",
    "blocking_reason",
    "leak_reason",
    "reason",
    "missing_items",
    "alert_reason",
    "kpi_label",
    "benchmark_population",
    "benchmark_source",
    "benchmark_verification",
    "unit_type",
    "file_name",
    "source_file_name",
    "service_line",
}
# (proto message, field) pairs the browser shows as plain text.
PLAIN_FIELDS = {
    ("Text", "body"),
    ("Code", "code_text"),
    ("Selectbox", "options"),
    ("Selectbox", "raw_value"),
    ("MultiSelect", "options"),
    ("MultiSelect", "raw_values"),
    ("MultiSelect", "default"),
    ("TextArea", "default"),
    ("TextArea", "value"),
    ("TextInput", "default"),
    ("TextInput", "value"),
    ("ArrowVegaLiteChart", "spec"),
}
PAGES = [
    "overview",
    "board",
    "authorizations",
    "claims",
    "denials",
    "intake",
    "eligibility",
    "credentialing",
    "schedule",
    "payroll",
    "quarantine",
    "audit",
    "admin",
]
NO_EXTRACT_TEXT = {"audit", "admin"}  # these pages show users and audit events, not extract rows


@pytest.fixture
def hostile_snapshot(full_snapshot):
    with duckdb.connect(str(full_snapshot)) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and column_name in "
            f"({', '.join(repr(c) for c in sorted(FREE_TEXT_COLUMNS))})"
        ).fetchall()
        for table, column in columns:
            con.execute(f"update {table} set {column} = {column} || ' ' || ? where {column} is not null", [PAYLOAD])
    return full_snapshot


@pytest.fixture
def hostile_drafts(ledger):
    from emitters.models import DraftAction

    ledger.sync_drafts(
        "reauth_packet",
        [
            DraftAction(
                flag_id="flag-hostile",
                action_type="reauth_packet",
                location_id="L01",
                payer_id="P-AET",
                patient_id="PT-h",
                title=f"Re-auth for {PAYLOAD}",
                recipient=PAYLOAD,
                body=f"Dear {PAYLOAD}",
                dollars_at_stake=Decimal("99999.00"),
                due_date=date(2026, 3, 5),
                assigned_role="front_desk",
            )
        ],
        run_id="test-hostile",
    )
    ledger.upsert_user("admin", "test-password-1", "admin", ["*"], "Admin")
    return ledger


def _live(text: str) -> bool:
    """Whether Markdown would still see markup here once backslash-escaped characters are taken literally."""
    unescaped = re.sub(r"\\.", "", text)
    return any(markup in unescaped for markup in LIVE_MARKUP)


def _markdown_strings(at) -> list[tuple[str, str]]:
    """(message.field, text) for every string the browser renders as Markdown."""
    found: list[tuple[str, str]] = []

    def fields(message, owner: str):
        for descriptor, value in message.ListFields():
            values = value if descriptor.label == descriptor.LABEL_REPEATED else [value]
            for item in values:
                if isinstance(item, str):
                    if (owner, descriptor.name) not in PLAIN_FIELDS:
                        found.append((f"{owner}.{descriptor.name}", item))
                elif hasattr(item, "ListFields"):
                    fields(item, type(item).__name__)

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            fields(proto, type(proto).__name__)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return found


@pytest.mark.parametrize("page", PAGES)
def test_extract_text_is_inert_on_every_page(hostile_snapshot, hostile_drafts, app_test, rendered_text, director, page):
    from ledger import User

    user = (
        director
        if page != "admin"
        else User(username="admin", display_name="Admin", role="admin", locations=frozenset({"*"}))
    )
    at = app_test(page, user=user).run()
    assert not at.exception, at.exception
    if page == "authorizations":
        at.selectbox(key="auth_selected").set_value("A-L01-1").run()
    if page == "board":  # the hostile draft is the most money: its card opens first
        assert at.subheader[0].value.startswith(r"Re\-auth for \[x\]")
    assert not at.exception, at.exception

    live = [(where, text) for where, text in _markdown_strings(at) if _live(text)]
    assert live == [], f"rendered as Markdown on {page}: {live}"
    if page not in NO_EXTRACT_TEXT:
        assert "evil" in rendered_text(at), f"the payload never reached {page}: the test would prove nothing"


def test_the_check_sees_markdown_when_a_page_forgets_to_escape(app_test, director):
    """The walker is not blind: an unescaped subheader with the payload is reported."""

    def page():
        import streamlit as st

        payload = "[x](http://evil) **bold** <img src=x onerror=alert(1)>"
        st.subheader(f"Leaked at {payload}")
        st.text(payload)
        st.caption("\\[x\\]\\(http\\://evil\\)")  # escaped: inert

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(page).run()
    live = [where for where, text in _markdown_strings(at) if _live(text)]
    assert live == ["Heading.body"]
