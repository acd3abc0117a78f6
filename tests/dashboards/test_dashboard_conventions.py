"""Source conventions of the dashboard that a reviewer would otherwise check by eye."""

from __future__ import annotations

import ast
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
WIDGETS = {
    "button", "text_input", "text_area", "selectbox", "multiselect", "toggle", "date_input", "number_input",
    "dataframe", "altair_chart", "form_submit_button", "checkbox", "radio", "page_link", "data_editor",
}


def _calls():
    for path in sorted(DASHBOARDS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                yield path, node


def test_every_widget_has_a_key():
    missing = [f"{p.name}:{n.lineno} {n.func.attr}" for p, n in _calls()
               if n.func.attr in WIDGETS and not any(k.arg == "key" for k in n.keywords)]
    assert missing == []


def test_no_html_is_ever_rendered_unescaped():
    unsafe = [f"{p.name}:{n.lineno}" for p, n in _calls()
              if n.func.attr == "html" or any(k.arg == "unsafe_allow_html" for k in n.keywords)]
    assert unsafe == []


def test_views_live_in_views_not_pages():
    assert not (DASHBOARDS / "pages").exists()
    assert {p.stem for p in (DASHBOARDS / "views").glob("*.py")} == {
        "overview", "board", "authorizations", "quarantine", "audit",
        "credentialing", "payroll", "intake", "eligibility", "claims", "denials", "schedule",
        "admin", "account",
        "failed_sends"}  # failed_sends: a board component (render_failed_sends), not a page


def test_nothing_prints_or_logs_in_the_views():
    offenders = [f"{p.name}:{n.lineno}" for p, n in _calls()
                 if p.parent.name == "views" and n.func.attr in {"info", "warning", "error", "debug", "exception"}
                 and isinstance(n.func.value, ast.Name) and n.func.value.id in {"log", "logger", "logging"}]
    prints = [f"{p.name}:{node.lineno}" for p in (DASHBOARDS / "views").glob("*.py")
              for node in ast.walk(ast.parse(p.read_text()))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"]
    assert offenders == [] and prints == []
