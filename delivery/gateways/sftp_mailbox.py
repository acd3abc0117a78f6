"""The clearinghouse's SFTP mailbox: claims and 270 batches go up, 835 / 999 / 277CA / 271 files come down.

Built on asyncssh (a maintained SSHv2 client and server); each public method runs one session with
`asyncio.run`, so callers (the dispatcher, a Dagster asset) stay synchronous.

- Host key pinned: either an OpenSSH known_hosts file or the key's SHA256 fingerprint. An unknown or changed
  key stops the session before authentication (HostKeyRefused names the key it was shown), so no
  password or claim is ever handed to another server.
- Upload is atomic on the server: the file is written under a dot name and renamed into the inbound folder,
  so the clearinghouse never picks up half a claim file. Each upload is a send keyed like every other
  (delivery.gateways.state): a key already sent is not uploaded again; an earlier attempt whose outcome is
  unknown is checked on the server first.
- Pickup is atomic here: a file changed less than `settle_seconds` ago is left for the next run (a server may
  still be writing it in place); the others are read into a dot-named temp file in data/inbox/clearinghouse (ingest and
  the inbox sensor skip dot names), its size checked against the listing, then renamed. A file is fetched
  once by (name, size, modification time); with an archive folder set it is then moved there on the server.
- Transient failures (refused or dropped connection, timeouts, SFTP failures, a short read) retry the whole
  session with capped exponential backoff; a refused host key or login does not retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import posixpath
import re
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh

from .numbers import Unsendable
from .sending import SendOutcome
from .state import GatewayState

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0
# Names a server uses while it is still writing a file, and our own temp names: never picked up.
IN_PROGRESS_NAME = re.compile(r"^\.|\.(part|partial|filepart|tmp|temp)$", re.IGNORECASE)
SAFE_REMOTE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


class MailboxError(Exception):
    """A mailbox session failed; the message names the server and the step, never file contents."""


class HostKeyRefused(MailboxError):
    """The server's host key is not the pinned one."""


class LoginRefused(MailboxError):
    """The server refused our user name, key or password."""


class ShortDownload(MailboxError):
    """A download ended with fewer bytes than the listing promised (retried)."""


TRANSIENT = (
    OSError,
    asyncio.TimeoutError,
    asyncssh.ConnectionLost,
    asyncssh.SFTPConnectionLost,
    asyncssh.SFTPNoConnection,
    asyncssh.SFTPFailure,
    asyncssh.ChannelOpenError,
    ShortDownload,
)


@dataclass
class PickupReport:
    fetched: list[str] = field(default_factory=list)  # local file names written to the inbox
    already_fetched: int = 0  # listed files skipped: fetched in an earlier run
    refused_names: list[str] = field(default_factory=list)  # names that are not plain file names: left there
    settling: int = 0  # changed within settle_seconds: may still be being written, fetched by a later run
    archive_failures: list[str] = field(default_factory=list)  # remote names that could not be moved


class _PinnedHostKey(asyncssh.SSHClient):
    """Accepts only the pinned fingerprint, and remembers what the server showed for the error message."""

    def __init__(self, fingerprint: str | None):
        self.fingerprint = fingerprint
        self.presented: str | None = None

    def validate_host_public_key(self, host, addr, port, key) -> bool:
        self.presented = key.get_fingerprint("sha256")
        return self.fingerprint is not None and self.presented == self.fingerprint


class ClearinghouseMailbox:
    gateway_name = "clearinghouse_sftp"
    channel = "clearinghouse"

    def __init__(self, settings, state: GatewayState, *, sleep: Callable[[float], None] = time.sleep):
        """settings: core.settings.SftpMailboxSettings."""
        self.settings = settings
        self.state = state
        self.sleep = sleep

    @property
    def endpoint_label(self) -> str:
        s = self.settings
        return f"sftp://{s.host}:{s.port}/{s.remote_inbound_dir.strip('/')}"

    # -- sessions -------------------------------------------------------------------------------------------
    def _run(self, step: str, work: Callable[[asyncssh.SFTPClient], Any]):
        """Run `work(sftp)` in a fresh session, retrying transient failures with capped backoff."""
        s = self.settings
        last: BaseException | None = None
        for attempt in range(1, s.max_attempts + 1):
            if attempt > 1:
                self.sleep(min(s.backoff_base_seconds * 2 ** (attempt - 2), MAX_BACKOFF_SECONDS))
            try:
                return asyncio.run(self._session(work))
            except TRANSIENT as exc:
                last = exc
                log.warning(
                    "clearinghouse mailbox: %s on %s:%s failed (%s), try %d of %d",
                    step,
                    s.host,
                    s.port,
                    type(exc).__name__,
                    attempt,
                    s.max_attempts,
                )
            except asyncssh.Error as exc:  # e.g. a missing remote folder: the same again would fail the same way
                raise MailboxError(
                    f"clearinghouse mailbox {s.host}:{s.port}: {step} failed ({type(exc).__name__}: {exc.reason})"
                ) from None
        raise MailboxError(
            f"clearinghouse mailbox {s.host}:{s.port}: {step} failed after {s.max_attempts} tries "
            f"({type(last).__name__})"
        ) from last

    async def _session(self, work):
        s = self.settings
        client = _PinnedHostKey(s.host_key_fingerprint)
        # Fingerprint pinning: no key is trusted from a file, the client callback decides.
        known_hosts = str(s.known_hosts_file) if s.known_hosts_file else ([], [], [])
        try:
            connection = await asyncio.wait_for(
                asyncssh.connect(
                    s.host,
                    s.port,
                    username=s.username,
                    known_hosts=known_hosts,
                    client_factory=lambda: client,
                    client_keys=[str(s.key_file)] if s.key_file else None,
                    passphrase=s.key_passphrase.get_secret_value() if s.key_passphrase else None,
                    password=s.password.get_secret_value() if s.password else None,
                    agent_path=None,
                    config=None,
                    preferred_auth="publickey,password",
                    keepalive_interval=max(1.0, s.timeout_seconds / 3),
                    keepalive_count_max=3,
                ),
                timeout=s.timeout_seconds,
            )
        except asyncssh.HostKeyNotVerifiable:
            pinned = "the pinned fingerprint" if s.host_key_fingerprint else f"known_hosts file {s.known_hosts_file}"
            raise HostKeyRefused(
                f"clearinghouse mailbox {s.host}:{s.port} presented host key {client.presented or 'unknown'}, "
                f"which does not match {pinned}: refusing to connect (if the clearinghouse rotated its key, "
                "confirm the new fingerprint with them and update the setting)"
            ) from None
        except asyncssh.PermissionDenied:
            raise LoginRefused(
                f"clearinghouse mailbox {s.host}:{s.port} refused the login of user {s.username!r} "
                "(check the key file or password setting)"
            ) from None
        async with connection, connection.start_sftp_client() as sftp:
            return await work(sftp)

    # -- pickup ---------------------------------------------------------------------------------------------
    def pickup(self) -> PickupReport:
        """Fetch every new file from the remote outbound folder into the local inbox."""
        report = PickupReport()  # kept across retries: files fetched before a dropped session still count
        return self._run(f"pickup from {self.settings.remote_outbound_dir}", lambda sftp: self._pickup(sftp, report))

    async def _pickup(self, sftp: asyncssh.SFTPClient, report: PickupReport) -> PickupReport:
        s = self.settings
        report.already_fetched, report.settling, report.refused_names = 0, 0, []  # recounted per listing
        inbox = Path(s.local_inbox_dir)
        inbox.mkdir(parents=True, exist_ok=True)
        done = self.state.picked_up()
        for entry in sorted(await sftp.readdir(s.remote_outbound_dir), key=lambda e: e.filename):
            attrs, name = entry.attrs, entry.filename
            is_regular = attrs.type == asyncssh.FILEXFER_TYPE_REGULAR or (
                attrs.permissions is not None and stat.S_ISREG(attrs.permissions)
            )
            if not is_regular or IN_PROGRESS_NAME.search(name):
                continue
            if not SAFE_REMOTE_NAME.match(name):  # e.g. a name with a path in it: never written here
                report.refused_names.append(name)
                log.warning("clearinghouse mailbox: left %r on the server: not a plain file name", name)
                continue
            identity = (name, int(attrs.size or 0), int(attrs.mtime or 0))
            if identity in done:
                report.already_fetched += 1
                continue
            if identity[2] > time.time() - s.settle_seconds:
                report.settling += 1
                continue
            remote = posixpath.join(s.remote_outbound_dir, name)
            local_name, digest = await self._download(sftp, remote, identity, inbox)
            self.state.record_pickup(*identity, sha256=digest, local_name=local_name)
            report.fetched.append(local_name)
            if s.remote_archive_dir:
                try:
                    await sftp.rename(remote, posixpath.join(s.remote_archive_dir, name))
                except asyncssh.SFTPError as exc:  # already recorded: it will not be fetched twice
                    report.archive_failures.append(name)
                    log.warning("clearinghouse mailbox: could not archive %s (%s)", name, type(exc).__name__)
        log.info(
            "clearinghouse mailbox: %d fetched, %d already fetched, %d still settling, %d refused names",
            len(report.fetched),
            report.already_fetched,
            report.settling,
            len(report.refused_names),
        )
        return report

    async def _download(
        self, sftp: asyncssh.SFTPClient, remote: str, identity: tuple[str, int, int], inbox: Path
    ) -> tuple[str, str]:
        name, size, _mtime = identity
        fd, tmp_name = tempfile.mkstemp(dir=inbox, prefix=f".{name}.", suffix=".part")
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            await sftp.get(remote, tmp_name)
            received = tmp.stat().st_size
            if received != size:
                raise ShortDownload(f"{name}: received {received} of {size} bytes")
            digest = _sha256(tmp)
            target = _free_name(inbox, name, digest)
            if target.exists():  # fetched before a crash kept the record from being written
                tmp.unlink()
            else:
                with open(tmp, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(tmp, target)
            return target.name, digest
        finally:
            tmp.unlink(missing_ok=True)

    # -- upload ---------------------------------------------------------------------------------------------
    def upload(self, remote_name: str, content: bytes, key: str) -> str:
        """Put one document into the remote inbound folder once per key; returns the remote name."""
        if not SAFE_REMOTE_NAME.match(remote_name):
            raise Unsendable("the upload name is not a plain file name")
        previous = self.state.send_record(key)
        if previous is not None and previous.provider_id:
            return previous.provider_id
        self.state.begin_send(key, self.gateway_name)

        async def put(sftp: asyncssh.SFTPClient) -> str:
            final = posixpath.join(self.settings.remote_inbound_dir, remote_name)
            if await _remote_size(sftp, final) == len(content):
                async with sftp.open(final, "rb") as handle:
                    if await handle.read() == content:
                        return remote_name  # an earlier try got as far as the rename
            tmp = posixpath.join(self.settings.remote_inbound_dir, f".{remote_name}.part")
            async with sftp.open(tmp, "wb") as handle:
                await handle.write(content)
            if await _remote_size(sftp, final) is not None:
                await sftp.remove(final)  # a different, older upload of the same name: ours replaces it
            await sftp.rename(tmp, final)
            return remote_name

        uploaded = self._run(f"upload of {remote_name}", put)
        self.state.complete_send(key, uploaded)
        return uploaded

    def upload_pending(self) -> list[str]:
        """Upload every file waiting in the local batch folder (270s) that has not gone up yet."""
        folder = Path(self.settings.local_upload_dir)
        uploaded = []
        for path in (
            sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.exists() else []
        ):
            content = path.read_bytes()
            key = hashlib.sha256(b"batch:" + path.name.encode() + b":" + content).hexdigest()
            if (record := self.state.send_record(key)) is not None and record.provider_id:
                continue
            uploaded.append(self.upload(path.name, content, key))
        return uploaded

    # -- the dispatcher's sender interface ------------------------------------------------------------------
    def send(self, url: str, payload: Mapping[str, Any], key: str) -> SendOutcome:
        """An approved clearinghouse action (its body is the 837P) as `<action_type>_<action_id>.x12`; `url` is
        the router's label only."""
        name = f"{payload['action_type']}_{payload['action_id']}.x12"
        try:
            self.upload(name, payload["body"].encode("utf-8"), key)
        except Unsendable as exc:
            return SendOutcome(False, 0, None, f"{exc} (not sent)")
        except (HostKeyRefused, LoginRefused) as exc:
            return SendOutcome(False, 1, None, str(exc)[:200])
        except MailboxError as exc:
            return SendOutcome(False, self.settings.max_attempts, None, str(exc)[:200])
        return SendOutcome(True, 1, None, None)


async def _remote_size(sftp: asyncssh.SFTPClient, path: str) -> int | None:
    try:
        return (await sftp.stat(path)).size
    except asyncssh.SFTPNoSuchFile:
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _free_name(inbox: Path, name: str, digest: str) -> Path:
    """`name` in the inbox, or `<stem>.<hash8><suffix>` when a different file already has that name."""
    target = inbox / name
    if not target.exists() or _sha256(target) == digest:
        return target
    stem, dot, suffix = name.partition(".")
    return inbox / f"{stem}.{digest[:8]}{dot}{suffix}" if dot else inbox / f"{name}.{digest[:8]}"
