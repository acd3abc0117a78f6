"""The clearinghouse_mailbox asset: off without settings; with them, batches go up and files come down."""

from __future__ import annotations

import os

import dagster as dg
import pytest

from dagster_project.assets.clearinghouse_mailbox import clearinghouse_mailbox


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("RCM_CLEARINGHOUSE_", "RCM_DELIVERY_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RCM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RCM_GATEWAY_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    monkeypatch.setenv("RCM_DELIVERY_BACKOFF_BASE_SECONDS", "0")
    monkeypatch.setenv("RCM_CLEARINGHOUSE_SFTP_SETTLE_SECONDS", "0")
    return monkeypatch


def _materialize():
    result = dg.materialize([clearinghouse_mailbox], raise_on_error=False)
    return result, result.asset_materializations_for_node("clearinghouse_mailbox")


def test_off_without_a_host(clean_env):
    result, [materialization] = _materialize()
    assert result.success and materialization.metadata["configured"].value is False


def test_uploads_batches_and_fetches_new_files(clean_env, sftp_server, ssh_keys, tmp_path):
    key_file = tmp_path / "client_key"
    ssh_keys["client"].write_private_key(str(key_file))
    clean_env.setenv("RCM_CLEARINGHOUSE_SFTP_HOST", "127.0.0.1")
    clean_env.setenv("RCM_CLEARINGHOUSE_SFTP_PORT", str(sftp_server.port))
    clean_env.setenv("RCM_CLEARINGHOUSE_SFTP_USER", "ot-group")
    clean_env.setenv("RCM_CLEARINGHOUSE_SFTP_KEY_FILE", str(key_file))
    clean_env.setenv("RCM_CLEARINGHOUSE_SFTP_HOST_KEY_FINGERPRINT", ssh_keys["host"].get_fingerprint("sha256"))
    batches = tmp_path / "data" / "outbox" / "clearinghouse_batches"
    batches.mkdir(parents=True)
    (batches / "eligibility_0302.270").write_text("ISA*270~")
    (sftp_server.root / "outbound" / "remit_0305.835").write_text("ISA*835~")

    result, [first] = _materialize()
    assert result.success
    assert {k: first.metadata[k].value for k in ("batches_uploaded", "files_fetched", "files_already_fetched")} == {
        "batches_uploaded": 1,
        "files_fetched": 1,
        "files_already_fetched": 0,
    }
    assert (tmp_path / "data" / "inbox" / "clearinghouse" / "remit_0305.835").read_text() == "ISA*835~"
    assert os.listdir(sftp_server.root / "inbound") == ["eligibility_0302.270"]

    _, [second] = _materialize()
    assert second.metadata["files_fetched"].value == 0 and second.metadata["batches_uploaded"].value == 0

    clean_env.setenv("RCM_CLEARINGHOUSE_SFTP_HOST_KEY_FINGERPRINT", ssh_keys["impostor"].get_fingerprint("sha256"))
    failed, _ = _materialize()
    assert not failed.success  # a changed host key stops the run with the reason, it is not skipped quietly
    [failure] = [e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert "HostKeyRefused" in failure.step_failure_data.error.to_string()
    assert "refusing to connect" in failure.step_failure_data.error.to_string()
