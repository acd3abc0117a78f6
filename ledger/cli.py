"""`python -m ledger ...`: verify the audit trail, anchor its head, migrate an unkeyed chain once."""

from __future__ import annotations

import argparse
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
    for name, help_text in commands.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--url", help="ledger SQLAlchemy URL (default: RCM_LEDGER_URL / settings)")
    args = parser.parse_args(argv)

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
