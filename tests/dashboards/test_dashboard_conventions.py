"""Source conventions of the dashboard that a reviewer would otherwise check by eye."""

from __future__ import annotations

import ast
from pathlib import Path

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
WIDGETS = {
    "button",
    "text_input",
    "text_area",
    "selectbox",
    "multiselect",
    "toggle",
    "date_input",
    "number_input",
    "dataframe",
    "altair_chart",
    "form_submit_button",
    "checkbox",
    "radio",
    "page_link",
    "data_editor",
}


def _calls():
    for path in sorted(DASHBOARDS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                yield path, node


def test_every_widget_has_a_key():
    missing = [
        f"{p.name}:{n.lineno} {n.func.attr}"
        for p, n in _calls()
        if n.func.attr in WIDGETS and not any(k.arg == "key" for k in n.keywords)
    ]
    assert missing == []


def test_no_html_is_ever_rendered_unescaped():
    unsafe = [
        f"{p.name}:{n.lineno}"
        for p, n in _calls()
        if n.func.attr == "html" or any(k.arg == "unsafe_allow_html" for k in n.keywords)
    ]
    # The one exception: the fixed script that writes the session cookie (Streamlit cannot set cookies), into
    # which only the JSON-quoted token goes (tests/dashboards/test_dashboard_sessions.py).
    assert [u.split(":")[0] for u in unsafe] == ["auth.py"]


def test_views_live_in_views_not_pages():
    assert not (DASHBOARDS / "pages").exists()
    assert {p.stem for p in (DASHBOARDS / "views").glob("*.py")} == {
        "overview",
        "board",
        "authorizations",
        "quarantine",
        "audit",
        "credentialing",
        "payroll",
        "intake",
        "eligibility",
        "claims",
        "denials",
        "schedule",
        "admin",
        "account",
        "failed_sends",
    }  # failed_sends: a board component (render_failed_sends), not a page


def test_nothing_prints_or_logs_in_the_views():
    offenders = [
        f"{p.name}:{n.lineno}"
        for p, n in _calls()
        if p.parent.name == "views"
        and n.func.attr in {"info", "warning", "error", "debug", "exception"}
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id in {"log", "logger", "logging"}
    ]
    prints = [
        f"{p.name}:{node.lineno}"
        for p in (DASHBOARDS / "views").glob("*.py")
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]
    assert offenders == [] and prints == []


# ----- the layering: views -> dashboards.data / dashboards.ui -> snapshot and ledger -------------------

# What a view may import: the data layer, the presentation helpers, another view's component (the board's
# failed sends), the standard library, and the three libraries pages are drawn with.
VIEW_IMPORTS = {"dashboards.data", "dashboards.ui", "dashboards.views", "streamlit", "altair", "pandas"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, `from a import b` counted as `a.b` when b is a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            found += [
                (node.lineno, f"{module}.{alias.name}" if module == "dashboards" else module) for alias in node.names
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"__import__", "import_module"}
        ):
            found.append((node.lineno, "<dynamic import>"))
    return found


def _allowed(module: str, allowed: set[str]) -> bool:
    import sys

    top = module.split(".")[0]
    return (
        top == "__future__"
        or top in sys.stdlib_module_names
        and top != "importlib"
        or any(module == prefix or module.startswith(prefix + ".") for prefix in allowed)
    )


def test_views_import_only_the_data_layer_and_the_presentation_helpers():
    offenders = [
        f"{path.name}:{line} {module}"
        for path in sorted((DASHBOARDS / "views").glob("*.py"))
        for line, module in _imports(path)
        if not _allowed(module, VIEW_IMPORTS)
    ]
    assert offenders == []


def test_the_import_rule_catches_a_view_reaching_past_the_data_layer(tmp_path):
    view = tmp_path / "sneaky.py"
    view.write_text(
        "import streamlit as st\nfrom dashboards import auth, data\nfrom ledger import Ledger\n"
        "from core.money import format_money\nimport duckdb\n"
    )
    assert [m for _, m in _imports(view) if not _allowed(m, VIEW_IMPORTS)] == [
        "dashboards.auth",
        "ledger",
        "core.money",
        "duckdb",
    ]


def test_only_the_actions_and_accounts_modules_touch_the_ledger():
    touching = sorted(
        path.name
        for path in (DASHBOARDS / "data").glob("*.py")
        if any(m.startswith(("emitters", "ledger", "dashboards.auth")) for _, m in _imports(path))
    )
    assert touching == ["accounts.py", "actions.py"]
    # ...and the presentation helpers reach it only through the data layer.
    assert not [m for path in (DASHBOARDS / "ui").glob("*.py") for _, m in _imports(path) if m.startswith("emitters")]


def test_only_the_scope_helper_reads_the_snapshot():
    """Every mart query goes through `scoped_query`: nothing else imports the snapshot's `read` or DuckDB."""
    readers = sorted(
        str(path.relative_to(DASHBOARDS))
        for path in DASHBOARDS.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and node.module == "dashboards.data.snapshot"
        and "read" in {alias.name for alias in node.names}
    )
    assert readers == ["data/scope.py"]
    pages_and_data = [*DASHBOARDS.glob("data/*.py"), *DASHBOARDS.glob("ui/*.py"), *DASHBOARDS.glob("views/*.py")]
    assert [p.name for p in pages_and_data if any(m == "duckdb" for _, m in _imports(p))] == ["snapshot.py"]


def test_one_money_formatter_and_one_list_of_leak_areas():
    import re

    hand_formatted = [
        f"{p.relative_to(DASHBOARDS)}:{i}"
        for p in sorted(DASHBOARDS.rglob("*.py"))
        for i, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\$\{[^}]*:,\.2f\}", line)
    ]
    assert hand_formatted == []
    assert not [p.name for p in DASHBOARDS.rglob("*.py") if "LEAK_AREAS" in p.read_text()]


def test_no_table_turns_data_into_links_or_markdown():
    """st.dataframe shows text cells as plain text (Streamlit 1.67 infers no link column from a URL-looking
    string); only a LinkColumn or MarkdownColumn configured here would make a cell clickable or rendered."""
    configured = [f"{p.name}:{n.lineno}" for p, n in _calls() if n.func.attr in {"LinkColumn", "MarkdownColumn"}]
    assert configured == []
