"""Fixtures for the dashboard tests: a tiny published snapshot (L01/L02), a ledger with drafts, users.

Everything lives in tmp_path and is wired in through the same environment variables the app reads.
"""

from __future__ import annotations

import importlib.util
import json
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
APP = DASHBOARDS / "app.py"
PAGES = ["overview", "board", "authorizations", "quarantine", "audit"]
AS_OF = date(2026, 3, 2)
PASSWORD = "test-password-1"
# A synthetic patient name that only exists in the flag mart's PHI packet fields: it must never be shown.
CANARY_NAME = "Zzcanaryfirst"

SNAPSHOT_SQL = f"""
create table dim_locations as select * from (values
  ('L01', 'Northside Clinic', 'Springfield', 'IL'),
  ('L02', 'Eastside Clinic', 'Shelbyville', 'IL')
) t(location_id, location_name, city, state);

create table fct_location_leak_summary as select location_id, location_name, leak_area, flagged_count,
  active_count, cast(dollars_at_risk as decimal(12,2)) as dollars_at_risk, date '{AS_OF}' as as_of_date
from (values
  ('L01', 'Northside Clinic', 'authorizations', 1, 2, 480.00),
  ('L02', 'Eastside Clinic', 'authorizations', 1, 2, 960.00)
) t(location_id, location_name, leak_area, flagged_count, active_count, dollars_at_risk);

create table fct_authorization_burndown as select
  authorization_id, authorization_number, location_id, patient_id, payer_id, payer_name, unit_type,
  approved_quantity, used_quantity, scheduled_quantity, \
approved_quantity - used_quantity - scheduled_quantity as remaining_quantity,
  burn_rate_per_week, cast(projected_exhaustion_date as date) as projected_exhaustion_date,
  cast(start_date as date) as start_date, cast(end_date as date) as end_date,
  datediff('day', date '{AS_OF}', cast(end_date as date)) as days_to_expiry, reauth_lead_days,
  is_in_last_two_visits, is_expiring_within_lead_time, is_projected_to_exhaust_before_end,
  has_visits_scheduled_beyond_auth, scheduled_beyond_count, cast(dollars_at_risk as decimal(12,2)) as dollars_at_risk,
  is_flagged
from (values
  ('A-L01-1', 'AUTHN-1001', 'L01', 'PT-101', 'P-AET', 'Aetna Kids', 'visits', 12, 10, 2, 2.0, '2026-03-16', \
'2026-01-05', '2026-03-30', 14,
   true, false, false, false, 0, 240.00, true),
  ('A-L01-2', 'AUTHN-1002', 'L01', 'PT-102', 'P-MCD', 'State Medicaid', 'units', 40, 8, 4, 1.0, null, \
'2026-02-01', '2026-07-31', 14,
   false, false, false, false, 0, 0.00, false),
  ('A-L02-1', 'AUTHN-2001', 'L02', 'PT-201', 'P-AET', 'Aetna Kids', 'visits', 10, 9, 3, 2.0, '2026-03-05', \
'2026-01-05', '2026-03-10', 14,
   true, true, true, true, 2, 960.00, true),
  ('A-L02-2', 'AUTHN-2002', 'L02', 'PT-202', 'P-BLU', 'Blue Eastside Plan', 'visits', 20, 2, 2, 0.5, null, \
'2026-02-01', '2026-08-31', 14,
   false, false, false, false, 0, 0.00, false)
) t(authorization_id, authorization_number, location_id, patient_id, payer_id, payer_name, unit_type,
    approved_quantity, used_quantity, scheduled_quantity, burn_rate_per_week, projected_exhaustion_date, start_date,
    end_date, reauth_lead_days, is_in_last_two_visits, is_expiring_within_lead_time,
    is_projected_to_exhaust_before_end, has_visits_scheduled_beyond_auth, scheduled_beyond_count, dollars_at_risk,
    is_flagged);

create table flag_auths_needing_reauth as select
  md5('auth_needing_reauth:1:' || authorization_id) as flag_id, *,
  case when authorization_id = 'A-L01-1' then 'In the last two visits'
       else 'In the last two visits; Expiring within lead time; Projected to exhaust; \
Visits scheduled beyond the authorization'
  end as flag_reasons,
  date '{AS_OF}' + interval 2 day as due_date,
  '{CANARY_NAME}' as patient_first_name, 'Testpatient' as patient_last_name,
  date '2019-05-05' as patient_date_of_birth, 'MEMBERCANARY9' as member_id
from fct_authorization_burndown where is_flagged;

create table ingest_quarantine as select * from (values
  ('appointments_20260301.csv', 'ehr', 7, 'date_of_service is not a date', timestamp '2026-03-01 06:00:00')
) t(file_name, source, line_number, reason, quarantined_at);

create table ingest_file_ledger as select * from (values
  ('appointments_20260301.csv', 'ehr', 'abc123', 'loaded', 120, 1, timestamp '2026-03-01 06:00:00'),
  ('remit_0301.835', 'clearinghouse', 'def456', 'loaded', 40, 0, timestamp '2026-03-01 06:05:00')
) t(file_name, source, file_sha256, status, rows_loaded, rows_quarantined, received_at);
"""


def _test_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"_snapshot_scripts_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def full_snapshot(snapshot):
    """The conftest snapshot plus every `*_SQL` script of the other dashboard test modules, and the
    overview's monthly marts (built from that test's frames)."""
    with duckdb.connect(str(snapshot)) as con:
        for path in sorted(Path(__file__).resolve().parent.glob("test_dashboard_*.py")):
            module = _test_module(path)
            for name, script in vars(module).items():
                if name.endswith("_SQL") and isinstance(script, str):
                    con.execute(script)
            if path.stem == "test_dashboard_overview":
                for table, frame in (
                    ("fct_location_leak_monthly", module._monthly_frame()),
                    ("fct_location_kpis_monthly", module._kpi_frame()),
                    ("fct_leak_events", module.EVENTS),
                ):
                    con.register("frame_to_copy", frame)
                    con.execute(f"create table {table} as select * from frame_to_copy")
                    con.unregister("frame_to_copy")
    return snapshot


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Point every setting at tmp_path; nothing is published yet."""
    warehouse = tmp_path / "warehouse"
    (warehouse / "snapshots").mkdir(parents=True)
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RCM_DUCKDB_PATH", str(warehouse / "rcm.duckdb"))
    monkeypatch.setenv("RCM_SERVING_POINTER", str(warehouse / "serving.json"))
    monkeypatch.setenv("RCM_LEDGER_URL", f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    monkeypatch.setenv("RCM_SESSION_TIMEOUT_MINUTES", "30")
    monkeypatch.setenv("RCM_DEMO_PASSWORD", PASSWORD)
    monkeypatch.setenv("RCM_MODE", "demo")  # the users below share PASSWORD, the demo password; account tests unset it
    return tmp_path


@pytest.fixture
def snapshot(env):
    """Publish the tiny snapshot the way the publish step does: a file under snapshots/ plus the pointer."""
    path = env / "warehouse" / "snapshots" / "run-1.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(SNAPSHOT_SQL)
    pointer = {
        "snapshot_path": str(path),
        "published_at": "2026-03-02T06:30:00Z",
        "as_of_date": str(AS_OF),
        "run_id": "run-1",
    }
    (env / "warehouse" / "serving.json").write_text(json.dumps(pointer))
    return path


def _make_user(username: str, role: str, locations: set[str]):
    from ledger import User

    return User(username=username, display_name=username.title(), role=role, locations=frozenset(locations))


@pytest.fixture
def make_user():
    return _make_user


@pytest.fixture
def director():
    return _make_user("director", "director", {"*"})


@pytest.fixture
def frontdesk_l01():
    return _make_user("frontdesk_l01", "front_desk", {"L01"})


@pytest.fixture
def billing():
    return _make_user("billing", "billing", {"*"})


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def canary_name():
    return CANARY_NAME


def _draft(flag_id: str, location_id: str, dollars: str, due: date, body: str, authorization_number: str):
    from emitters.models import ChecklistItem, DraftAction

    return DraftAction(
        flag_id=flag_id,
        action_type="reauth_packet",
        location_id=location_id,
        payer_id="P-AET",
        patient_id=f"PT-{flag_id}",
        title=f"Re-auth: Aetna Kids auth {authorization_number} ({location_id})",
        recipient="Aetna Kids utilization management",
        body=body,
        checklist=[
            ChecklistItem(item="Signed plan of care", detail="signed 2026-01-02", present=True),
            ChecklistItem(item="Progress note", detail="none in the last 30 days", present=False),
        ],
        evidence=[{"authorization_number": authorization_number, "remaining_quantity": 2, "end_date": "2026-03-30"}],
        dollars_at_stake=Decimal(dollars),
        due_date=due,
        assigned_role="front_desk",
    )


@pytest.fixture
def ledger(env, director, frontdesk_l01, billing):
    """A ledger with three open drafts (two at L01, one at L02), the three users and an admin, password PASSWORD."""
    from core.settings import get_settings
    from ledger import Ledger

    ledger = Ledger(get_settings().ledger_url)
    ledger.sync_drafts(
        "reauth_packet",
        [
            _draft(
                "flag-l01-a",
                "L01",
                "240.00",
                AS_OF + timedelta(days=2),
                "Dear reviewer,\n<script>alert('x')</script>\nPlease extend AUTHN-1001.",
                "AUTHN-1001",
            ),
            _draft("flag-l01-b", "L01", "120.00", AS_OF + timedelta(days=9), "Please extend AUTHN-1002.", "AUTHN-1002"),
            _draft("flag-l02-a", "L02", "960.00", AS_OF + timedelta(days=1), "Please extend AUTHN-2001.", "AUTHN-2001"),
        ],
        run_id="test-run",
    )
    for user in (director, frontdesk_l01, billing):
        ledger.upsert_user(user.username, PASSWORD, user.role, user.locations, user.display_name)
    # An enabled administrator exists, as after any install: otherwise the app asks for the first one.
    ledger.upsert_user("admin", PASSWORD, "admin", {"*"}, "Admin")
    return ledger


def _app_test(page: str | None = None, user=None, last_active: float | None = None):
    """An AppTest of the router (page=None) or of one page file, optionally with a signed-in user."""
    from streamlit.testing.v1 import AppTest

    script = APP if page is None else DASHBOARDS / "views" / f"{page}.py"
    at = AppTest.from_file(str(script), default_timeout=30)
    if user is not None:
        at.session_state["user"] = user
        at.session_state["last_active_at"] = time.time() if last_active is None else last_active
    return at


def _rendered_text(at) -> str:
    """Everything the page put on screen (element protos, including table data), as one string."""
    parts: list[str] = []

    def walk(node):
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        if getattr(node, "type", None) == "dataframe":
            parts.append(node.value.to_csv())
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))

    walk(at._tree)
    return "\n".join(parts)


@pytest.fixture
def app_test():
    """Factory: app_test(page=None, user=None, last_active=None) -> AppTest."""
    return _app_test


@pytest.fixture
def open_page():
    """Factory: open_page(page, user, title=None) -> AppTest, run once; it rendered without an exception
    (under `title` when given)."""

    def open_(page: str, user, title: str | None = None):
        at = _app_test(page, user=user).run()
        assert not at.exception
        if title is not None:
            assert at.title[0].value == title
        return at

    return open_


@pytest.fixture
def add_marts(snapshot):
    """Factory: add_marts(script) runs a page's SQL script of marts on the test snapshot; returns its path."""

    def add(script: str) -> Path:
        with duckdb.connect(str(snapshot)) as con:
            con.execute(script)
        return snapshot

    return add


@pytest.fixture
def rendered_text():
    return _rendered_text


@pytest.fixture
def pages():
    return list(PAGES)


@pytest.fixture
def download_payloads(monkeypatch):
    """Every file an AppTest run hands to `st.download_button`, as text, in order: call the fixture's value.

    Recorded where Streamlit stores download payloads (the media file storage), so a page that bypasses
    `dashboards.ui.exports` is caught too."""
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    payloads: list[str] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        if kind == MediaFileKind.DOWNLOADABLE:
            raw = path_or_data if isinstance(path_or_data, bytes) else str(path_or_data).encode()
            payloads.append(raw.decode("utf-8", errors="replace"))
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return lambda: list(payloads)
