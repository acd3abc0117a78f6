"""`python -m ledger ...`: verify the audit trail, anchor its head, migrate an unkeyed chain once, create the first
administrator."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime


def _url(args) -> str:
    if args.url:
        return args.url
    from core.settings import (
        get_settings,  # imported here: no settings read at import time
    )

    return get_settings().ledger_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledger", description="Action ledger tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {
        "verify": "verify the audit trail (ids, keyed hashes, anchors); exit 1 when it does not verify",
        "anchor": "append the audit chain's head to the anchor file (RCM_AUDIT_ANCHOR_FILE)",
        "migrate-audit-chain": "once, for a ledger created before the audit key: verify the old unkeyed chain "
        "and continue it keyed (RCM_AUDIT_KEY_FILE)",
    }
    commands["create-admin"] = (
        "create the first administrator of a ledger that has none; the password is read "
        "from a prompt (twice), or from the first line of stdin when it is not a terminal"
    )
    for name, help_text in commands.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--url", help="ledger SQLAlchemy URL (default: RCM_LEDGER_URL / settings)")
        if name == "create-admin":
            command.add_argument("--username", required=True)
            command.add_argument("--display-name", required=True)
    args = parser.parse_args(argv)
    if args.command == "create-admin":
        return _create_admin(_url(args), args.username, args.display_name)

    from core.settings import get_audit_settings

    from .audit import migrate_to_keyed_chain
    from .audit_key import load_or_create_audit_key
    from .errors import AuditKeyError
    from .facade import Ledger
    from .schema import create_schema, iso, make_engine

    url = _url(args)
    try:
        if args.command == "migrate-audit-chain":
            writer = make_engine(url).execution_options(ledger_write=True)
            create_schema(writer)
            key = load_or_create_audit_key(get_audit_settings().key_file)
            count = migrate_to_keyed_chain(writer, key, iso(datetime.now(UTC)))
            Ledger(url).anchor_chain_head()
            print(f"audit chain keyed: {count} earlier events verified and kept; new events are keyed")
            return 0
        ledger = Ledger(url)
    except AuditKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "anchor":
        anchor = ledger.anchor_chain_head()
        print(f"anchored event {anchor['event_id']}" if anchor else "nothing to anchor: the audit trail is empty")
        return 0
    report = ledger.verify()
    if report.ok:
        print(f"audit chain OK ({report.events} events, {report.anchors_checked} anchors checked)")
        return 0
    print(f"audit chain BROKEN at event_id {report.first_bad_event_id}")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def _read_new_password() -> str | None:
    """From a prompt (typed twice, not echoed), or the first line of a pipe; never from the command line, where
    it would stay in the shell history and the process list."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New administrator's password: ")
    if getpass.getpass("The same password again: ") != first:
        print("error: the two passwords differ", file=sys.stderr)
        return None
    return first


def _create_admin(url: str, username: str, display_name: str) -> int:
    from .errors import InvalidTransition
    from .facade import Ledger
    from .passwords import PASSWORD_RULE

    ledger = Ledger(url)
    if ledger.has_enabled_admin():  # before asking for a password that could not be used
        print("error: an administrator already exists; ask them to invite you", file=sys.stderr)
        return 1
    print(f"Password rule: {PASSWORD_RULE}", file=sys.stderr)
    password = _read_new_password()
    if password is None:
        return 1
    try:
        ledger.create_first_admin(username, display_name, password)
    except (InvalidTransition, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"administrator {username} created; sign in to the dashboard and invite everyone else")
    return 0
