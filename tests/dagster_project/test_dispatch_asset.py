"""The outbox_dispatch asset reads the delivery settings: a configured channel is POSTed, the rest are files."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from argon2 import PasswordHasher

from dagster_project.assets.serving import build_serving_assets
from dagster_project.resources import LedgerResource
from emitters.models import DraftAction
from ledger import Ledger, User
from tests.ledger.helpers import shown_body_sha256

ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))


@pytest.fixture
def receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(
                {
                    "path": self.path,
                    "key": self.headers.get("Idempotency-Key"),
                    "payload": json.loads(self.rfile.read(int(self.headers["Content-Length"]))),
                }
            )
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def _draft(flag_id: str, action_type: str) -> DraftAction:
    return DraftAction(
        flag_id=flag_id,
        action_type=action_type,
        location_id="L01",
        title=f"{action_type} {flag_id}",
        recipient="someone",
        body=f"Body of {flag_id}.",
        assigned_role="billing",
    )


def test_the_dispatch_asset_posts_configured_channels_and_writes_the_rest(tmp_path, monkeypatch, receiver):
    url, received = receiver
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    monkeypatch.setenv("RCM_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("RCM_DELIVERY_FAX_URL", f"{url}/fax")
    monkeypatch.delenv("RCM_DELIVERY_CHANNEL_MAP", raising=False)
    monkeypatch.setenv("RCM_AUDIT_KEY_FILE", str(tmp_path / "secrets" / "audit.key"))
    monkeypatch.setenv("RCM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    ledger = Ledger(ledger_url, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    billing = ledger.upsert_user("billing", "pw-1", "billing", ["*"], "Billing Lead")
    ledger.sync_drafts("appeal_letter", [_draft("f-appeal", "appeal_letter")], "run-1")  # fax by default
    ledger.sync_drafts("denial_followup", [_draft("f-task", "denial_followup")], "run-1")  # a staff task: file
    for action in ledger.list_actions(ADMIN_VIEW):
        ledger.approve(
            billing, action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"])
        )

    _, outbox_dispatch = build_serving_assets([])
    result = dg.materialize([outbox_dispatch], resources={"ledger": LedgerResource(url=ledger_url)})
    assert result.success
    [materialization] = result.asset_materializations_for_node("outbox_dispatch")
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert (metadata["sent"], metadata["failed"], metadata["webhook_channels"]) == (2, 0, "fax")

    assert [(r["path"], r["payload"]["action_type"]) for r in received] == [("/fax", "appeal_letter")]
    assert [p.parent.parent.name for p in (tmp_path / "outbox").rglob("*.txt")] == ["denial_followup"]
    assert {a["status"] for a in ledger.list_actions(ADMIN_VIEW)} == {"sent"}
    # The run anchored the chain's head, which is the last `dispatched` event.
    [anchor] = [json.loads(line) for line in (tmp_path / "anchors.jsonl").read_text().splitlines()]
    assert anchor["event_id"] == metadata["anchored_event_id"] == ledger.count_audit_events()
    assert ledger.verify().ok and ledger.verify().anchors_checked == 1
