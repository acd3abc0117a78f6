"""The dashboard on what the pipeline really publishes (not a hand-made fixture): every page renders
for every role, and a single-location user sees only that location's rows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ledger import User

pytestmark = pytest.mark.pipeline

VIEWS = Path(__file__).resolve().parents[2] / "dashboards" / "views"
PAGES = sorted(p.stem for p in VIEWS.glob("*.py") if not p.stem.startswith("_"))


def _users(pipeline) -> dict[str, User]:
    con = pipeline.snapshot()
    first_location = con.execute("select min(location_id) from dim_locations").fetchone()[0]
    return {
        "director": User(username="director", display_name="D", role="director", locations=frozenset({"*"})),
        "billing": User(username="billing", display_name="B", role="billing", locations=frozenset({"*"})),
        "front_desk": User(username="fd", display_name="F", role="front_desk", locations=frozenset({first_location})),
    }


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["director", "billing", "front_desk"])
def test_every_page_renders_on_published_marts(pipeline, page, role):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
    at.session_state["user"] = _users(pipeline)[role]
    at.session_state["last_active_at"] = time.time()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_data_layer_returns_only_the_users_location(pipeline):
    from dashboards import data

    user = _users(pipeline)["front_desk"]
    (location,) = user.locations
    frames = [data.locations(user), data.leak_summary(user), data.authorization_burndown(user)]
    assert all(len(f) > 0 for f in frames[:2])
    for frame in frames:
        assert set(frame["location_id"]) <= {location}
    assert {a["location_id"] for a in data.actions(user)} <= {location}
    director = _users(pipeline)["director"]
    assert len(data.file_ledger(director)) > 0 and len(data.quarantine(director)) > 0
