"""Send approved actions: today as files a person can open under data/outbox.

The approval invariant lives here, in the send path: an action goes out only when its latest approval
event names an existing, enabled user who may approve this action type at this location right now, and
the body is the one that user approved. Anything else is refused and recorded; nothing is written.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .ledger import Ledger, sha256_text
from .roles import can_approve

log = logging.getLogger(__name__)

FILE_CHANNEL = "file"
# Path parts come from data (location ids); only plain names may become directories.
SAFE_PATH_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


@dataclass
class DispatchResult:
    sent: list[str] = field(default_factory=list)  # action ids written and marked sent
    refused: list[tuple[str, str]] = field(default_factory=list)  # (action id, reason)


def dispatch_approved(ledger: Ledger, outbox_dir: Path) -> DispatchResult:
    """Write every approved, unsent action to outbox_dir/<action_type>/<location_id>/<action_id>.txt."""
    result = DispatchResult()
    for action in ledger.approved_undispatched():
        approval = ledger.approval_event(action["action_id"])
        reason = refusal_reason(ledger, action, approval)
        if reason is None:
            target = outbox_path(outbox_dir, action)
            if target is None:
                reason = "action_type or location_id is not a safe file name"
        if reason is not None:
            ledger.record_refusal(action["action_id"], reason)
            result.refused.append((action["action_id"], reason))
            continue
        approver = ledger.get_user(approval["actor"])
        write_atomically(target, render_outbox_document(action, approval, approver.display_name))
        ledger.mark_sent(action["action_id"], FILE_CHANNEL, str(target))
        result.sent.append(action["action_id"])
    log.info("dispatch: %d sent, %d refused", len(result.sent), len(result.refused))
    return result


def refusal_reason(ledger: Ledger, action: dict, approval: dict | None) -> str | None:
    """Why this approved action must not go out, or None when it may."""
    if approval is None:
        return "no approval event for this action"
    approver = ledger.get_user(approval["actor"])
    if approver is None:
        return "the approving user no longer exists or is disabled"
    if not can_approve(approver, action["action_type"], action["location_id"]):
        return f"the approving user ({approver.role}) may not approve {action['action_type']} at this location now"
    approved_body_hash = approval["detail"].get("body_sha256")
    if approved_body_hash != sha256_text(action["body"]):
        return "the body differs from the one that was approved"
    return None


def outbox_path(outbox_dir: Path, action: dict) -> Path | None:
    parts = (action["action_type"], action["location_id"], action["action_id"])
    if not all(SAFE_PATH_PART.match(part) and part not in (".", "..") for part in parts):
        return None
    return Path(outbox_dir) / parts[0] / parts[1] / f"{parts[2]}.txt"


def render_outbox_document(action: dict, approval: dict, approver_name: str) -> str:
    due = action["due_date"].isoformat() if action["due_date"] else "none"
    lines = [
        action["title"],
        "=" * len(action["title"]),
        f"Recipient: {action['recipient']}",
        f"Due date: {due}",
        f"Dollars at stake: ${action['dollars_at_stake']:,.2f}",
        f"Approved by: {approver_name} ({approval['actor']}, {approval['actor_role']}) at {approval['occurred_at']}",
        f"Action id: {action['action_id']}",
        "",
        "-" * 72,
        "",
        action["body"].rstrip("\n"),
        "",
        "-" * 72,
        "Packet checklist",
    ]
    for item in action["checklist"]:
        mark = "x" if item["present"] else " "
        detail = f": {item['detail']}" if item.get("detail") else ""
        lines.append(f"[{mark}] {item['item']}{detail}")
    return "\n".join(lines) + "\n"


def write_atomically(target: Path, text: str) -> None:
    """Write to a temp file in the same folder, then os.replace: a reader never sees half a document."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
