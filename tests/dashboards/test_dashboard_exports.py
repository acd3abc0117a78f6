"""audited_download: the button serves the data, and only a click writes an `export` audit event (no content)."""

from __future__ import annotations

import json


def _export_page():
    from dashboards.auth import require_user
    from dashboards.exports import audited_download

    user = require_user()
    audited_download(
        user, label="Download", data="action_id,location_id\nA1,L01\n", file_name="queue.csv", mime="text/csv",
        what="approval board queue", location_ids=["L01", "L01"], row_count=1, key="test_export",
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
    assert event["detail"] == {"what": "approval board queue", "file_name": "queue.csv", "row_count": 1,
                               "location_ids": ["L01"]}
    assert "A1,L01" not in json.dumps(event["detail"])  # the content itself is never in the trail

    at.run()  # a rerun without a click records nothing more
    assert len(_export_events(ledger, director)) == 1


def test_every_download_in_the_app_goes_through_audited_download():
    import ast
    from pathlib import Path

    dashboards = Path(__file__).resolve().parents[2] / "dashboards"
    direct = [f"{path.relative_to(dashboards)}:{node.lineno}"
              for path in sorted(dashboards.rglob("*.py")) if path.name != "exports.py"
              for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.Attribute) and node.attr == "download_button"]
    assert direct == []
