"""A real SFTP server on 127.0.0.1 (asyncssh, in a thread), with a root folder the tests can see, and a
fault switch that drops or truncates downloads on purpose."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import asyncssh
import pytest

from core.settings import SftpMailboxSettings
from delivery.gateways.state import GatewayState

USER = "ot-group"
PASSWORD = "mailbox-password-for-tests"


class FaultySftpServer(asyncssh.SFTPServer):
    """SFTP rooted in the test folder. `faults` (shared, one consumed per broken download): the download gets
    its first 1,000 bytes, then "drop" aborts the connection and "truncate" answers end-of-file."""

    faults: list[str] = []

    def __init__(self, chan, root: Path):
        super().__init__(chan, chroot=str(root).encode())
        self.broken: str | None = None

    def read(self, file_obj, offset, size):
        if self.broken is None and offset == 0 and self.faults:
            self.broken = self.faults.pop(0)
            return super().read(file_obj, offset, min(size, 1000))
        if self.broken == "drop":
            self.connection.abort()
            raise asyncssh.SFTPFailure("connection dropped by the test")
        if self.broken == "truncate":
            return b""
        return super().read(file_obj, offset, size)


class _AuthServer(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return True

    def validate_password(self, username, password):
        return username == USER and password == PASSWORD


class SftpTestServer:
    def __init__(self, root: Path, host_key: asyncssh.SSHKey, client_key: asyncssh.SSHKey):
        self.root = root
        self.host_key = host_key
        self.client_key = client_key
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server = None
        self.faults = FaultySftpServer.faults
        self.faults.clear()

    def start(self) -> SftpTestServer:
        self.thread.start()

        async def listen():
            return await asyncssh.listen(
                "127.0.0.1",
                0,
                server_host_keys=[self.host_key],
                server_factory=_AuthServer,
                authorized_client_keys=asyncssh.import_authorized_keys(self.client_key.export_public_key().decode()),
                sftp_factory=lambda chan: FaultySftpServer(chan, self.root),
                allow_scp=False,
            )

        future = asyncio.run_coroutine_threadsafe(listen(), self.loop)
        self.server = future.result(timeout=10)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def ssh_keys():
    return {
        "host": asyncssh.generate_private_key("ssh-ed25519"),
        "client": asyncssh.generate_private_key("ssh-ed25519"),
        "impostor": asyncssh.generate_private_key("ssh-ed25519"),
    }


@pytest.fixture
def sftp_server(tmp_path, ssh_keys):
    root = tmp_path / "server"
    for folder in ("inbound", "outbound", "archive"):
        (root / folder).mkdir(parents=True)
    server = SftpTestServer(root, ssh_keys["host"], ssh_keys["client"]).start()
    yield server
    server.stop()


@pytest.fixture
def gateway_state(tmp_path):
    return GatewayState(f"sqlite:///{tmp_path / 'gateways.sqlite'}")


@pytest.fixture
def mailbox_settings(tmp_path, sftp_server, ssh_keys):
    """Key login, fingerprint pinned; tests override fields with model_copy(update=...)."""
    key_file = tmp_path / "client_key"
    ssh_keys["client"].write_private_key(str(key_file))
    return SftpMailboxSettings(
        host="127.0.0.1",
        port=sftp_server.port,
        username=USER,
        key_file=key_file,
        host_key_fingerprint=ssh_keys["host"].get_fingerprint("sha256"),
        local_upload_dir=tmp_path / "outbox" / "clearinghouse_batches",
        local_inbox_dir=tmp_path / "inbox" / "clearinghouse",
        timeout_seconds=5,
        max_attempts=3,
        backoff_base_seconds=0,
        settle_seconds=0,
    )
