"""The gateway settings: off by default, every variable in .env.example, secrets from a file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from core.settings import get_sftp_mailbox_settings, get_srfax_settings, get_twilio_settings

ROOT = Path(__file__).resolve().parents[3]
PREFIXES = ("RCM_CLEARINGHOUSE_", "RCM_SRFAX_", "RCM_TWILIO_", "RCM_GATEWAY_")


def _example() -> dict[str, str]:
    """The variables set in .env.example (commented-out ones are optional secrets, left unset)."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.startswith(PREFIXES))


def _mentioned() -> set[str]:
    pattern = r"\b((?:" + "|".join(PREFIXES) + r")[A-Z_]+)="
    return set(re.findall(pattern, (ROOT / ".env.example").read_text()))


@pytest.fixture
def env(monkeypatch):
    for name in [n for n in os.environ if n.startswith(PREFIXES)]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_every_gateway_variable_the_settings_read_is_in_env_example():
    read = set(
        re.findall(
            r'"((?:RCM_CLEARINGHOUSE_|RCM_SRFAX_|RCM_TWILIO_|RCM_GATEWAY_)[A-Z_]+)"',
            (ROOT / "core" / "settings.py").read_text(),
        )
    )
    assert read and read <= _mentioned()


def test_the_example_file_leaves_every_gateway_off(env):
    for name, value in _example().items():
        env.setenv(name, value)
    assert (get_sftp_mailbox_settings(), get_srfax_settings(), get_twilio_settings()) == (None, None, None)


def test_mailbox_settings_from_the_environment(env, tmp_path):
    secret = tmp_path / "sftp_password"
    secret.write_text("s3cret-from-file\n")
    env.setenv("RCM_CLEARINGHOUSE_SFTP_HOST", "sftp.clearinghouse.example")
    env.setenv("RCM_CLEARINGHOUSE_SFTP_PORT", "2222")
    env.setenv("RCM_CLEARINGHOUSE_SFTP_USER", "otgroup")
    env.setenv("RCM_CLEARINGHOUSE_SFTP_PASSWORD_FILE", str(secret))
    env.setenv("RCM_CLEARINGHOUSE_SFTP_KNOWN_HOSTS", "config/clearinghouse_known_hosts")
    env.setenv("RCM_CLEARINGHOUSE_SFTP_OUTBOUND_DIR", "/out")
    settings = get_sftp_mailbox_settings()
    assert (settings.port, settings.remote_outbound_dir, settings.remote_inbound_dir) == (2222, "/out", "inbound")
    assert settings.known_hosts_file == ROOT / "config" / "clearinghouse_known_hosts"  # relative to the repository
    assert settings.password.get_secret_value() == "s3cret-from-file"
    assert "s3cret" not in repr(settings)

    env.setenv("RCM_CLEARINGHOUSE_SFTP_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="RCM_CLEARINGHOUSE_SFTP_PASSWORD_FILE names a file that cannot be read"):
        get_sftp_mailbox_settings()


def test_srfax_settings_are_checked(env):
    env.setenv("RCM_SRFAX_ACCESS_ID", "123456")
    env.setenv("RCM_SRFAX_ACCESS_PWD", "pw")
    env.setenv("RCM_SRFAX_SENDER_EMAIL", "billing@otgroup.test")
    env.setenv("RCM_SRFAX_CALLER_ID", "312-555-0100")
    with pytest.raises(ValueError, match="caller_id"):
        get_srfax_settings()
    env.setenv("RCM_SRFAX_CALLER_ID", "3125550100")
    assert get_srfax_settings().caller_id == "3125550100"
