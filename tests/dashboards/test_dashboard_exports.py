"""Exports: audited_download serves the data and only a click writes an `export` audit event (no content);
CSV cells that a spreadsheet would run as a formula are neutralised; Streamlit's own unaudited table download
is switched off for the app."""

from __future__ import annotations

import json


def _export_page():
    from dashboards.auth import require_user
    from dashboards.ui import audited_download

    user = require_user()
    audited_download(
        user,
        label="Download",
        data="action_id,location_id\nA1,L01\n",
        file_name="queue.csv",
        mime="text/csv",
        what="approval board queue",
        location_ids=["L01", "L01"],
        row_count=1,
        key="test_export",
    )


def _export_events(ledger, director):
    return ledger.audit_events(director, event_types=["export"])


def test_rendering_the_button_records_nothing_and_a_click_records_one_export(ledger, director, frontdesk_l01):
    import time

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_export_page, default_timeout=30)
    at.session_state["user"] = frontdesk_l01
    at.session_state["last_active_at"] = time.time()
    at.run()
    assert not at.exception
    assert len(at.download_button) == 1
    assert _export_events(ledger, director) == []

    at.download_button(key="test_export").click().run()
    events = _export_events(ledger, director)
    assert len(events) == 1
    event = events[0]
    assert event["actor"] == "frontdesk_l01" and event["actor_role"] == "front_desk"
    assert event["location_id"] == "L01"
    assert event["detail"] == {
        "what": "approval board queue",
        "file_name": "queue.csv",
        "row_count": 1,
        "location_ids": ["L01"],
    }
    assert "A1,L01" not in json.dumps(event["detail"])  # the content itself is never in the trail

    at.run()  # a rerun without a click records nothing more
    assert len(_export_events(ledger, director)) == 1


def test_every_download_in_the_app_goes_through_audited_download():
    import ast
    from pathlib import Path

    dashboards = Path(__file__).resolve().parents[2] / "dashboards"
    direct = [
        f"{path.relative_to(dashboards)}:{node.lineno}"
        for path in sorted(dashboards.rglob("*.py"))
        if path != dashboards / "ui" / "exports.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "download_button"
    ]
    assert direct == []


def test_csv_cells_that_would_run_as_formulas_are_neutralised_and_numbers_are_not():
    import csv
    import io
    from decimal import Decimal

    import pandas as pd

    from dashboards.ui import csv_text

    frame = pd.DataFrame(
        {
            "payer_name": [
                '=HYPERLINK("http://evil","x")',
                "+1+1",
                "-2+3",
                "@SUM(A1)",
                "\tTab",
                "\rReturn",
                "Aetna Kids",
                None,
            ],
            "amount": [-12.5, 1.0, 0.0, 3.0, -4.0, 5.0, 6.0, 7.0],
            "decimal_amount": [Decimal("-5.00")] * 8,
            "=formula header": ["a-b"] * 8,
        }
    )
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert rows[0] == ["payer_name", "amount", "decimal_amount", "'=formula header"]
    assert [r[0] for r in rows[1:]] == [
        '\'=HYPERLINK("http://evil","x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        "'\tTab",
        "'\rReturn",
        "Aetna Kids",
        "",
    ]
    assert [r[1] for r in rows[1:3]] == ["-12.5", "1.0"]  # a genuine negative number stays a number
    assert rows[1][2] == "-5.00" and rows[1][3] == "a-b"  # Decimal amounts and inner dashes untouched


def test_the_app_switches_off_streamlits_own_table_download(tmp_path):
    """`streamlit run dashboards/app.py` (from any directory) reads dashboards/.streamlit/config.toml, whose
    client.disableDataExport hides st.dataframe's toolbar download and copy; the browser gets it in the
    session's config message. Checked in a fresh interpreter: Streamlit's config is process-global."""
    import subprocess
    import sys
    from pathlib import Path

    app = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
    script = (
        "from streamlit import config\n"
        f"config._main_script_path = {str(app)!r}\n"
        "config.get_config_options(force_reparse=True)\n"
        "from streamlit.proto.NewSession_pb2 import Config\n"
        "from streamlit.runtime.app_session import _populate_config_msg\n"
        "msg = Config()\n"
        "_populate_config_msg(msg)\n"
        "print(config.get_option('client.disableDataExport'), msg.disable_data_export)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
