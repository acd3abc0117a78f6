"""The secret key of the audit chain's HMAC, kept in a file outside the database (`RCM_AUDIT_KEY_FILE`).

Someone who can write the database but not read this file cannot forge or rehash audit events. The file is
created on first use with a random 256-bit key, readable by its owner only (0600); a file others can read is
refused, so a loosened permission is noticed rather than silently trusted.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from .errors import AuditKeyError

KEY_BYTES = 32


def load_or_create_audit_key(path: Path) -> bytes:
    path = Path(path)
    if not path.exists():
        _create_key_file(path)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise AuditKeyError(f"audit key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (UnicodeDecodeError, ValueError) as exc:
        raise AuditKeyError(f"audit key file {path} does not hold a hex key") from exc
    if len(key) < KEY_BYTES:
        raise AuditKeyError(f"audit key file {path} holds {len(key)} bytes; at least {KEY_BYTES} are needed")
    return key


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written whole under a temporary name (mkstemp makes it 0600), then linked into place: two processes
    # starting at once never see half a key, and the second keeps the first one's key.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
