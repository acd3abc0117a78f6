"""The eligibility_270_batch asset: off without settings; with them, one batch per run of the checks due whose
task a person approved, control numbers from the ledger's sequence, and a re-run on the same as-of date writes
nothing for checks already asked; with the SFTP mailbox configured the batch goes up in the same run."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest
from argon2 import PasswordHasher

from dagster_project.assets.dbt import build_dbt_assets
from dagster_project.assets.eligibility_270 import build_eligibility_270_asset
from dagster_project.resources import LedgerResource, WarehouseResource
from emitters.claim_837 import segments
from emitters.models import DraftAction
from ledger import Ledger, User
from tests.emitters.test_eligibility_270 import assert_well_formed_270
from tests.ledger.helpers import shown_body_sha256

ADMIN_VIEW = User(username="auditor", display_name="Auditor", role="admin", locations=frozenset({"*"}))
FLAGS = ("f-1", "f-2", "f-3")


@pytest.fixture(scope="module")
def asset():
    return build_eligibility_270_asset(build_dbt_assets())


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-02")
    monkeypatch.setenv("RCM_AUDIT_KEY_FILE", str(tmp_path / "secrets" / "audit.key"))
    monkeypatch.setenv("RCM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    monkeypatch.setenv("RCM_CLEARINGHOUSE_UPLOAD_DIR", str(tmp_path / "upload"))
    monkeypatch.setenv("RCM_GATEWAY_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.delenv("RCM_CLEARINGHOUSE_SFTP_HOST", raising=False)
    for name, value in {
        "RCM_ELIGIBILITY_270_SUBMITTER_ID": "SUNNYSTEPSOT",
        "RCM_ELIGIBILITY_270_SUBMITTER_NAME": "Sunny Steps OT",
        "RCM_ELIGIBILITY_270_RECEIVER_ID": "CLEARINGHOUSE",
        "RCM_GROUP_TIN": "741234567",
        "RCM_GROUP_NPI": "1234567893",
    }.items():
        monkeypatch.setenv(name, value)
    warehouse = tmp_path / "rcm.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.packet_eligibility_270_requests as select * from (values "
            + ", ".join(
                f"('{flag}', 'AP{flag[2:]}', 'TXMCO1', 'Payer', 'M{flag[2:]}', 'Synth', 'Childe', "
                "date '2019-04-05', date '2026-03-03')"
                for flag in FLAGS
            )
            + ") t(flag_id, trace_number, x12_payer_id, payer_name, member_id, first_name, last_name, "
            "date_of_birth, service_date)"
        )
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ledger = Ledger(ledger_url, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    drafts = [
        DraftAction(
            flag_id=flag,
            action_type="eligibility_check_task",
            location_id="L01",
            title=f"Check {flag}",
            recipient="front desk",
            body=f"Run the eligibility check for {flag}.",
            assigned_role="front_desk",
        )
        for flag in FLAGS
    ]
    ledger.sync_drafts("eligibility_check_task", drafts, "run-1")
    resources = {"warehouse": WarehouseResource(path=str(warehouse)), "ledger": LedgerResource(url=ledger_url)}
    return ledger, resources, tmp_path / "upload"


def _approve(ledger: Ledger, user, flags: set[str]) -> None:
    for action in ledger.list_actions(ADMIN_VIEW):
        if action["flag_id"] in flags:
            ledger.approve(
                user, action["action_id"], expected_body_sha256=shown_body_sha256(ledger, action["action_id"])
            )


def _run(asset, resources) -> dict:
    result = dg.materialize([asset], resources=resources)
    assert result.success
    [materialization] = result.asset_materializations_for_node("eligibility_270_batch")
    return {key: value.value for key, value in materialization.metadata.items()}


def _traces(path) -> list[str]:
    segs = segments(path.read_text())
    assert_well_formed_270(segs)
    return [s[2] for s in segs if s[0] == "TRN"]


def test_off_until_the_submitter_is_configured(asset, setup, monkeypatch):
    _, resources, upload = setup
    monkeypatch.delenv("RCM_ELIGIBILITY_270_SUBMITTER_ID")
    assert _run(asset, resources) == {"configured": False}
    assert not upload.exists()


def test_only_approved_checks_go_out_once_per_as_of_date(asset, setup, monkeypatch):
    ledger, resources, upload = setup
    front_desk = ledger.upsert_user("frontdesk", "pw-1", "front_desk", ["L01"], "Front Desk")
    _approve(ledger, front_desk, {"f-1", "f-2"})

    first = _run(asset, resources)
    assert (first["checks_due"], first["awaiting_approval"], first["checks_written"]) == (3, 1, 2)
    batch = upload / first["batch_file"]
    assert _traces(batch) == ["AP1", "AP2"]
    assert "*M3~" not in batch.read_text()  # the unapproved check's subscriber is not in the file

    again = _run(asset, resources)  # same as-of date, same approvals: nothing new is written
    assert (again["already_asked_today"], again["checks_written"], again["batch_file"]) == (2, 0, "")
    assert sorted(p.name for p in upload.iterdir()) == [first["batch_file"]]

    # An 837P takes a number from the same sequence in between; the next batch never reuses one.
    claim_number = ledger.control_numbers(["claim-flag"])["claim-flag"]
    _approve(ledger, front_desk, {"f-3"})
    third = _run(asset, resources)
    assert (third["already_asked_today"], third["checks_written"]) == (2, 1)
    assert _traces(upload / third["batch_file"]) == ["AP3"]
    numbers = {int(first["batch_file"][16:25]), int(third["batch_file"][16:25]), claim_number}
    assert len(numbers) == 3

    monkeypatch.setenv("RCM_AS_OF_DATE", "2026-03-03")  # still due the next day (no 271 came back): asked again
    next_day = _run(asset, resources)
    assert next_day["checks_written"] == 3 and _traces(upload / next_day["batch_file"]) == ["AP1", "AP2", "AP3"]


def test_an_approval_by_someone_not_allowed_at_the_location_does_not_send(asset, setup):
    ledger, resources, upload = setup
    elsewhere = ledger.upsert_user("frontdesk2", "pw-1", "front_desk", ["L01"], "Front Desk Two")
    _approve(ledger, elsewhere, {"f-1"})
    # The approver loses the location before the run: the dispatcher's rule refuses that approval here too.
    ledger.change_user(
        ledger.upsert_user("boss", "pw-1", "admin", ["*"], "Admin"),
        "frontdesk2",
        role="front_desk",
        locations=["L02"],
        disabled=False,
    )
    result = _run(asset, resources)
    assert (result["awaiting_approval"], result["checks_written"]) == (3, 0)
    assert not upload.exists() or not any(upload.iterdir())


def test_with_the_mailbox_configured_the_batch_goes_up_in_the_same_run(
    asset, setup, monkeypatch, sftp_server, ssh_keys, tmp_path
):
    ledger, resources, upload = setup
    key_file = tmp_path / "client_key"
    ssh_keys["client"].write_private_key(str(key_file))
    monkeypatch.setenv("RCM_CLEARINGHOUSE_SFTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RCM_CLEARINGHOUSE_SFTP_PORT", str(sftp_server.port))
    monkeypatch.setenv("RCM_CLEARINGHOUSE_SFTP_USER", "ot-group")
    monkeypatch.setenv("RCM_CLEARINGHOUSE_SFTP_KEY_FILE", str(key_file))
    monkeypatch.setenv("RCM_CLEARINGHOUSE_SFTP_HOST_KEY_FINGERPRINT", ssh_keys["host"].get_fingerprint("sha256"))
    _approve(ledger, ledger.upsert_user("frontdesk", "pw-1", "front_desk", ["L01"], "Front Desk"), {"f-2"})

    first = _run(asset, resources)
    assert first["batches_uploaded"] == 1
    remote = sftp_server.root / "inbound" / first["batch_file"]
    assert remote.read_text() == (upload / first["batch_file"]).read_text() and _traces(remote) == ["AP2"]
    assert _run(asset, resources)["batches_uploaded"] == 0  # uploaded once
