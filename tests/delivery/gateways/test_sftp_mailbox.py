"""The clearinghouse mailbox against a real SFTP server on this machine: round trip, pinned host key,
no double pickup, and no partial file ever visible in the inbox."""

from __future__ import annotations

import os
import time

import pytest

from core.settings import SftpMailboxSettings
from delivery.gateways.sftp_mailbox import ClearinghouseMailbox, HostKeyRefused, LoginRefused, MailboxError

from .conftest import PASSWORD, USER

ISA = "ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}*260302*1200*^*00501*{control}*0*P*:~"
CLAIM_837 = ISA.format(sender="OTGROUP", receiver="CLEARHOUSE", control="000000101") + "\n"
REMIT_835 = (
    ISA.format(sender="CLEARHOUSE", receiver="OTGROUP", control="000000777")
    + "CLP*CLM1*1*150*120**12*PAYERCLAIM1~" * 4000
)  # ~150 KB: several SFTP read blocks


def outbound(server, name: str, text: str, mtime: int | None = None):
    path = server.root / "outbound" / name
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def inbox_names(settings) -> list[str]:
    return sorted(os.listdir(settings.local_inbox_dir)) if settings.local_inbox_dir.exists() else []


def test_upload_then_pickup_round_trip(sftp_server, mailbox_settings, gateway_state):
    mailbox = ClearinghouseMailbox(mailbox_settings, gateway_state)
    assert mailbox.upload("corrected_claim_a1.x12", CLAIM_837.encode(), "key-a1") == "corrected_claim_a1.x12"
    assert (sftp_server.root / "inbound" / "corrected_claim_a1.x12").read_text() == CLAIM_837
    assert sorted(os.listdir(sftp_server.root / "inbound")) == ["corrected_claim_a1.x12"]  # no temp name left

    outbound(sftp_server, "remit_0305.835", REMIT_835)
    outbound(sftp_server, "ack_0302.999", "ISA*999~")
    report = mailbox.pickup()
    assert sorted(report.fetched) == ["ack_0302.999", "remit_0305.835"]
    assert inbox_names(mailbox_settings) == ["ack_0302.999", "remit_0305.835"]
    assert (mailbox_settings.local_inbox_dir / "remit_0305.835").read_text() == REMIT_835


def test_upload_is_done_once_per_key(sftp_server, mailbox_settings, gateway_state):
    mailbox = ClearinghouseMailbox(mailbox_settings, gateway_state)
    mailbox.upload("secondary_claim_b2.x12", CLAIM_837.encode(), "key-b2")
    (sftp_server.root / "inbound" / "secondary_claim_b2.x12").unlink()  # the clearinghouse took it
    mailbox.upload("secondary_claim_b2.x12", CLAIM_837.encode(), "key-b2")  # e.g. a dispatcher rerun
    assert os.listdir(sftp_server.root / "inbound") == []


def test_upload_after_an_unknown_outcome_finds_the_file_on_the_server(sftp_server, mailbox_settings, gateway_state):
    gateway_state.begin_send("key-c3", "clearinghouse_sftp")  # an earlier run died after the rename
    (sftp_server.root / "inbound" / "corrected_claim_c3.x12").write_text(CLAIM_837)
    before = (sftp_server.root / "inbound" / "corrected_claim_c3.x12").stat().st_mtime_ns
    ClearinghouseMailbox(mailbox_settings, gateway_state).upload("corrected_claim_c3.x12", CLAIM_837.encode(), "key-c3")
    assert (sftp_server.root / "inbound" / "corrected_claim_c3.x12").stat().st_mtime_ns == before  # not rewritten
    assert gateway_state.send_record("key-c3").provider_id == "corrected_claim_c3.x12"


def test_pending_batches_are_uploaded_once(sftp_server, mailbox_settings, gateway_state):
    mailbox_settings.local_upload_dir.mkdir(parents=True)
    (mailbox_settings.local_upload_dir / "eligibility_0302.270").write_text("ISA*270~")
    (mailbox_settings.local_upload_dir / ".half_written.270").write_text("ISA*")
    mailbox = ClearinghouseMailbox(mailbox_settings, gateway_state)
    assert mailbox.upload_pending() == ["eligibility_0302.270"]
    assert mailbox.upload_pending() == []
    assert os.listdir(sftp_server.root / "inbound") == ["eligibility_0302.270"]


def test_no_double_pickup_but_a_changed_file_is_fetched_again(sftp_server, mailbox_settings, gateway_state):
    mailbox = ClearinghouseMailbox(mailbox_settings, gateway_state)
    outbound(sftp_server, "remit_0305.835", "ISA*first~", mtime=1_772_700_000)
    assert mailbox.pickup().fetched == ["remit_0305.835"]
    (mailbox_settings.local_inbox_dir / "remit_0305.835").unlink()  # ingest may tidy the inbox
    second = mailbox.pickup()
    assert second.fetched == [] and second.already_fetched == 1
    assert inbox_names(mailbox_settings) == []

    outbound(sftp_server, "remit_0305.835", "ISA*second delivery~", mtime=1_772_800_000)  # same name, new file
    assert mailbox.pickup().fetched == ["remit_0305.835"]
    assert (mailbox_settings.local_inbox_dir / "remit_0305.835").read_text() == "ISA*second delivery~"


def test_a_new_file_under_a_name_already_in_the_inbox_keeps_both(sftp_server, mailbox_settings, gateway_state):
    mailbox_settings.local_inbox_dir.mkdir(parents=True)
    (mailbox_settings.local_inbox_dir / "remit.835").write_text("ISA*not yet ingested~")
    outbound(sftp_server, "remit.835", "ISA*newer~")
    fetched = ClearinghouseMailbox(mailbox_settings, gateway_state).pickup().fetched
    assert len(fetched) == 1 and fetched[0].startswith("remit.") and fetched[0].endswith(".835")
    assert (mailbox_settings.local_inbox_dir / "remit.835").read_text() == "ISA*not yet ingested~"
    assert (mailbox_settings.local_inbox_dir / fetched[0]).read_text() == "ISA*newer~"


def test_picked_up_files_move_to_the_archive_folder(sftp_server, mailbox_settings, gateway_state):
    settings = mailbox_settings.model_copy(update={"remote_archive_dir": "archive"})
    outbound(sftp_server, "status_0303.277", "ISA*277~")
    ClearinghouseMailbox(settings, gateway_state).pickup()
    assert os.listdir(sftp_server.root / "outbound") == []
    assert os.listdir(sftp_server.root / "archive") == ["status_0303.277"]


def test_files_still_being_written_and_unsafe_names_are_left(sftp_server, mailbox_settings, gateway_state):
    outbound(sftp_server, "remit.835.part", "ISA*")
    outbound(sftp_server, ".remit.835", "ISA*")
    outbound(sftp_server, "remit with space.835", "ISA*")
    (sftp_server.root / "outbound" / "subfolder").mkdir()
    report = ClearinghouseMailbox(mailbox_settings, gateway_state).pickup()
    assert report.fetched == [] and report.refused_names == ["remit with space.835"]
    assert inbox_names(mailbox_settings) == []


@pytest.mark.parametrize("fault", ["drop", "truncate"])
def test_a_broken_download_never_appears_in_the_inbox_and_is_retried(
    sftp_server, mailbox_settings, gateway_state, fault
):
    outbound(sftp_server, "ack_0302.999", "ISA*999~")  # fetched before the broken one
    outbound(sftp_server, "remit_0305.835", REMIT_835)
    sftp_server.faults.append(fault)
    sleeps = []
    report = ClearinghouseMailbox(mailbox_settings, gateway_state, sleep=sleeps.append).pickup()
    assert report.fetched == ["ack_0302.999", "remit_0305.835"] and report.already_fetched == 1
    assert inbox_names(mailbox_settings) == ["ack_0302.999", "remit_0305.835"]  # no temp file left behind
    assert (mailbox_settings.local_inbox_dir / "remit_0305.835").read_text() == REMIT_835
    assert len(sleeps) == 1


@pytest.mark.parametrize("fault", ["drop", "truncate"])
def test_a_download_that_keeps_failing_leaves_nothing_and_is_not_recorded(
    sftp_server, mailbox_settings, gateway_state, fault
):
    outbound(sftp_server, "remit_0305.835", REMIT_835)
    sftp_server.faults.extend([fault] * 3)
    mailbox = ClearinghouseMailbox(mailbox_settings, gateway_state, sleep=lambda _s: None)
    with pytest.raises(MailboxError, match="pickup from outbound failed after 3 tries"):
        mailbox.pickup()
    assert inbox_names(mailbox_settings) == []
    assert gateway_state.picked_up() == set()
    assert mailbox.pickup().fetched == ["remit_0305.835"]  # the next run gets it whole


def test_an_unknown_host_key_is_refused_before_login(sftp_server, mailbox_settings, gateway_state, ssh_keys):
    pinned = ssh_keys["impostor"].get_fingerprint("sha256")
    settings = mailbox_settings.model_copy(update={"host_key_fingerprint": pinned})
    outbound(sftp_server, "remit.835", "ISA*~")
    sleeps = []
    with pytest.raises(HostKeyRefused) as refused:
        ClearinghouseMailbox(settings, gateway_state, sleep=sleeps.append).pickup()
    message = str(refused.value)
    assert ssh_keys["host"].get_fingerprint("sha256") in message and "refusing to connect" in message
    assert sleeps == []  # not retried
    assert inbox_names(mailbox_settings) == []


def test_known_hosts_file_pins_the_key(sftp_server, mailbox_settings, gateway_state, ssh_keys, tmp_path):
    def known_hosts(key) -> SftpMailboxSettings:
        path = tmp_path / "known_hosts"
        path.write_text(f"[127.0.0.1]:{sftp_server.port} {key.export_public_key().decode().strip()}\n")
        return mailbox_settings.model_copy(update={"host_key_fingerprint": None, "known_hosts_file": path})

    outbound(sftp_server, "remit.835", "ISA*~")
    assert ClearinghouseMailbox(known_hosts(ssh_keys["host"]), gateway_state).pickup().fetched == ["remit.835"]
    with pytest.raises(HostKeyRefused, match="does not match known_hosts file"):  # the server's key changed
        ClearinghouseMailbox(known_hosts(ssh_keys["impostor"]), gateway_state).pickup()


def test_password_login_and_a_refused_login(sftp_server, mailbox_settings, gateway_state):
    from pydantic import SecretStr

    settings = mailbox_settings.model_copy(update={"key_file": None, "password": SecretStr(PASSWORD)})
    outbound(sftp_server, "remit.835", "ISA*~")
    assert ClearinghouseMailbox(settings, gateway_state).pickup().fetched == ["remit.835"]
    wrong = settings.model_copy(update={"password": SecretStr("not-it")})
    with pytest.raises(LoginRefused, match=f"refused the login of user '{USER}'") as refused:
        ClearinghouseMailbox(wrong, gateway_state).pickup()
    assert "not-it" not in str(refused.value)


def test_a_server_that_is_down_is_retried_then_reported(mailbox_settings, gateway_state, sftp_server):
    sftp_server.stop()
    sleeps = []
    started = time.monotonic()
    with pytest.raises(MailboxError, match="127.0.0.1.*pickup from outbound failed after 3 tries"):
        ClearinghouseMailbox(mailbox_settings, gateway_state, sleep=sleeps.append).pickup()
    assert len(sleeps) == 2
    assert time.monotonic() - started < 30
    sftp_server.stop = lambda: None  # already stopped for the fixture's teardown


def test_settings_require_a_pinned_host_key_and_a_credential(tmp_path):
    base = {"host": "sftp.example.test", "username": USER, "local_upload_dir": tmp_path, "local_inbox_dir": tmp_path}
    with pytest.raises(ValueError, match="exactly one of RCM_CLEARINGHOUSE_SFTP_KNOWN_HOSTS"):
        SftpMailboxSettings(**base, password="x")
    with pytest.raises(ValueError, match="RCM_CLEARINGHOUSE_SFTP_KEY_FILE or RCM_CLEARINGHOUSE_SFTP_PASSWORD"):
        SftpMailboxSettings(**base, host_key_fingerprint="SHA256:abc")
    with pytest.raises(ValueError, match="must look like 'SHA256:...'"):
        SftpMailboxSettings(**base, password="x", host_key_fingerprint="MD5:ab:cd")


def test_a_missing_remote_folder_fails_at_once_naming_the_folder(sftp_server, mailbox_settings, gateway_state):
    settings = mailbox_settings.model_copy(update={"remote_outbound_dir": "to_clinic"})
    sleeps = []
    with pytest.raises(MailboxError, match=r"pickup from to_clinic failed \(SFTPNoSuchFile"):
        ClearinghouseMailbox(settings, gateway_state, sleep=sleeps.append).pickup()
    assert sleeps == []


def test_the_dispatcher_interface_uploads_the_claim_and_reports_a_refused_host_key(
    sftp_server, mailbox_settings, gateway_state, ssh_keys
):
    payload = {
        "action_id": "c0ffee00c0ffee00c0ffee00c0ffee00",
        "action_type": "corrected_claim",
        "location_id": "L01",
        "channel": "clearinghouse",
        "body": CLAIM_837,
    }
    outcome = ClearinghouseMailbox(mailbox_settings, gateway_state).send("label", payload, "key-d4")
    assert outcome.delivered
    assert (
        sftp_server.root / "inbound" / "corrected_claim_c0ffee00c0ffee00c0ffee00c0ffee00.x12"
    ).read_text() == CLAIM_837
    pinned = ssh_keys["impostor"].get_fingerprint("sha256")
    impostor = mailbox_settings.model_copy(update={"host_key_fingerprint": pinned})
    refused = ClearinghouseMailbox(impostor, gateway_state).send("label", payload, "key-e5")
    assert not refused.delivered and refused.tries == 1 and "refusing to connect" in refused.error
    unsafe = ClearinghouseMailbox(mailbox_settings, gateway_state).send(
        "label", {**payload, "action_id": "../x"}, "key-f6"
    )
    assert unsafe.error == "the upload name is not a plain file name (not sent)"


def test_a_file_changed_moments_ago_waits_for_the_next_run(sftp_server, mailbox_settings, gateway_state):
    settings = mailbox_settings.model_copy(update={"settle_seconds": 60})
    outbound(sftp_server, "remit_new.835", "ISA*still being written")
    outbound(sftp_server, "remit_old.835", "ISA*done~", mtime=int(time.time()) - 61)
    report = ClearinghouseMailbox(settings, gateway_state).pickup()
    assert report.fetched == ["remit_old.835"] and report.settling == 1
    path = sftp_server.root / "outbound" / "remit_new.835"
    os.utime(path, (time.time() - 120, time.time() - 120))
    assert ClearinghouseMailbox(settings, gateway_state).pickup().fetched == ["remit_new.835"]
