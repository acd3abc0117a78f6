"""A synthetic canary patient goes through the whole pipeline: its name, date of birth and member id
reach the drafted re-auth packet (where a person needs them) and appear in no log, no event metadata,
no quarantine reason, no dbt log and no audit event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import Ledger, User

pytestmark = pytest.mark.pipeline

CANARY_TERMS = ("Zebulon", "Quillfeather", "2015-03-17", "20150317", "CANARY77310")
DBT_DIR = Path(__file__).resolve().parents[2] / "dbt"


def _ledger(pipeline) -> Ledger:
    return Ledger(f"sqlite:///{pipeline.root / 'ledger' / 'ledger.sqlite'}")


def test_the_canary_reaches_its_drafted_packet(pipeline):
    admin = User(username="audit", display_name="A", role="admin", locations=frozenset({"*"}))
    bodies = [
        a["body"]
        for a in _ledger(pipeline).list_actions(admin, action_types=["reauth_packet"])
        if pipeline.canary_authorization_id in json.dumps(a["evidence"], default=str)
    ]
    assert len(bodies) == 1
    assert "Zebulon Quillfeather" in bodies[0] and "CANARY77310" in bodies[0]


def test_no_canary_identifier_in_any_log(pipeline):
    assert len(pipeline.log_text) > 10_000  # the runs did log plenty
    leaked = [term for term in CANARY_TERMS if term in pipeline.log_text]
    assert leaked == []


def test_no_canary_identifier_in_dbt_logs_or_quarantine_or_audit(pipeline):
    texts = [p.read_text(errors="replace") for p in (DBT_DIR / "logs").glob("*.log")]
    con = pipeline.snapshot()
    texts += [r[0] for r in con.execute("select reason from ingest_quarantine").fetchall()]
    admin = User(username="audit", display_name="A", role="admin", locations=frozenset({"*"}))
    texts += [json.dumps(e, default=str) for e in _ledger(pipeline).audit_events(admin, limit=100_000)]
    leaked = sorted({term for text in texts for term in CANARY_TERMS if term in text})
    assert leaked == []
