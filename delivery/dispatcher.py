"""Send approved actions: as files a person can open under data/outbox, or over a channel's HTTP webhook.

The approval invariant lives here, in the send path, the same for every channel. An action goes out only when
- its latest approval event lies in the part of the keyed audit chain that verifies (a forged approval row does
  not), and the whole trail verifies (otherwise nothing is sent this run and one alert is raised);
- the digest of what would be sent equals the digest the approval recorded (ledger/digest.py), a fax or text
  recipient's number counted as it is on file now (delivery/recipients.py), so a number changed since approval
  sends the action back to a person;
- the approving user exists, is enabled and may approve this action type at this location right now;
- the audit trail shows no earlier `dispatched` event for it (a sent action set back to approved is a replay).
Anything else is refused once: an audit event, an alert for the board, and the action leaves `approved`
(back to `open` for a person, or to `sent` for a replay). Nothing is written or posted.

One dispatcher runs at a time: a run takes the ledger's dispatch lease (renewed before every send) or returns
at once with `busy`. Webhook sends are delivered once: a "sending" attempt is recorded before the POST, the
receiver dedupes by the `Idempotency-Key` header (stable per action and approval), and a run that finds an
attempt still "sending" (the dispatcher was killed mid-send) resends with the same key. A send that fails
after its retries waits for a person to retry it from the board.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from core.money import format_money
from core.settings import get_settings
from emitters.registry import can_approve
from emitters.values import fmt_date, local_time_text
from ledger import DELIVERY_FAILED, ChainReport, Ledger
from ledger.digest import approval_digest

from .channels import FILE_CHANNEL, ChannelRouter
from .gateways.numbers import RecipientRefused
from .recipients import SnapshotAddressBook, current_ref_json
from .webhook import SendOutcome, WebhookSender, build_payload, idempotency_key

log = logging.getLogger(__name__)

# Path parts come from data (location ids); only plain names may become directories.
SAFE_PATH_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


@dataclass
class DispatchResult:
    sent: list[str] = field(default_factory=list)  # action ids delivered (file written or webhook 2xx) and marked sent
    refused: list[tuple[str, str]] = field(default_factory=list)  # (action id, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (action id, short error): webhook sends that failed
    awaiting_retry: list[str] = field(default_factory=list)  # failed earlier; a person has not retried them yet
    held: list[str] = field(default_factory=list)  # left for a later run: the trail does not verify, approved
    # after this run verified it, or no serving snapshot to check a fax or text recipient's number against
    busy: bool = False  # another dispatcher holds the lease; this run sent nothing (or stopped early)


@dataclass(frozen=True)
class Refusal:
    kind: str  # no_approval, approval_not_verified, changed_after_approval, approver_not_allowed, replay, unsafe_path
    reason: str  # plain words, no patient values


def dispatch_approved(
    ledger: Ledger,
    outbox_dir: Path,
    *,
    router: ChannelRouter | None = None,
    sender: WebhookSender | None = None,
    addresses: SnapshotAddressBook | None = None,
) -> DispatchResult:
    """Send every approved, unsent action over its channel, holding the dispatch lease.

    File channel: outbox_dir/<action_type>/<location_id>/<action_id>.txt. Webhook channels (when `router`
    maps the type to a channel with a URL) are POSTed by `sender`. Without a router everything is a file.
    `addresses` (the serving snapshot's numbers) binds a fax or text recipient's current number into the
    approval check of every action that leaves by a channel other than files.
    """
    router = router or ChannelRouter(endpoints={})
    if router.endpoints and sender is None:
        raise ValueError("webhook endpoints are configured but no sender was given")
    result = DispatchResult()
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not ledger.acquire_dispatch_lease(holder):
        log.info("dispatch: another dispatcher is running; this run sends nothing")
        result.busy = True
        return result
    try:
        _dispatch_under_lease(ledger, Path(outbox_dir), router, sender, addresses, holder, result)
    finally:
        ledger.release_dispatch_lease(holder)
    log.info(
        "dispatch: %d sent, %d refused, %d failed, %d awaiting a person's retry, %d held",
        len(result.sent),
        len(result.refused),
        len(result.failed),
        len(result.awaiting_retry),
        len(result.held),
    )
    return result


def _dispatch_under_lease(
    ledger: Ledger,
    outbox_dir: Path,
    router: ChannelRouter,
    sender: WebhookSender | None,
    addresses: SnapshotAddressBook | None,
    holder: str,
    result: DispatchResult,
) -> None:
    chain = ledger.verify()  # once per run, before reading the queue: approvals read below were verified
    if not chain.ok:
        ledger.raise_chain_alert(chain)
    attempts = ledger.pending_delivery_attempts()
    for action in ledger.approved_undispatched():
        action_id = action["action_id"]
        if not ledger.acquire_dispatch_lease(holder):  # renewed before every send; lost = stop at once
            result.busy = True
            return
        previous = attempts.get(action_id)
        if previous is not None and previous["status"] == DELIVERY_FAILED:
            result.awaiting_retry.append(action_id)
            continue
        approval = ledger.approval_event(action_id)
        if approval is not None and approval["event_id"] > chain.newest_event_id:
            result.held.append(action_id)  # approved after this run verified the chain: the next run sends it
            continue
        refusal = refusal_reason(ledger, action, approval, chain)
        if refusal is None and not chain.ok:
            result.held.append(action_id)  # its approval verifies, but what came after it cannot be trusted
            continue
        route = router.route(action["action_type"])
        if refusal is None and route.channel != FILE_CHANNEL:
            try:
                refusal = recipient_refusal(action, approval, addresses)
            except RecipientRefused:  # no snapshot to read the number from yet: nothing checked, nothing sent
                result.held.append(action_id)
                continue
        target = None
        if refusal is None and route.channel == FILE_CHANNEL:
            target = outbox_path(outbox_dir, action)
            if target is None:
                refusal = Refusal("unsafe_path", "action_type or location_id is not a safe file name")
        if refusal is not None:
            ledger.refuse_dispatch(
                action_id, refusal.kind, refusal.reason, approval_event_id=approval["event_id"] if approval else None
            )
            result.refused.append((action_id, refusal.reason))
            continue
        if route.channel == FILE_CHANNEL:
            approver = ledger.get_user(approval["actor"])
            write_atomically(target, render_outbox_document(action, approval, approver.display_name))
            ledger.mark_sent(action_id, FILE_CHANNEL, str(target))
            result.sent.append(action_id)
        else:
            _send_webhook(ledger, sender, action, approval, route.channel, route.url, result)


def _send_webhook(
    ledger: Ledger, sender: WebhookSender, action: dict, approval: dict, channel: str, url: str, result: DispatchResult
) -> None:
    key = idempotency_key(action["action_id"], approval["event_hash"])
    attempt_id = ledger.start_delivery(action["action_id"], channel, key)  # recorded before the POST
    try:
        outcome = sender.send(url, build_payload(action, channel, key), key)
    except Exception as exc:  # one broken send must not stop the rest of the queue; a person retries it
        log.warning("dispatch: send of action %s over %s raised %s", action["action_id"], channel, type(exc).__name__)
        outcome = SendOutcome(False, 1, None, f"unexpected error ({type(exc).__name__})")
    if outcome.delivered:
        ledger.complete_delivery(
            attempt_id, tries=outcome.tries, http_status=outcome.http_status, destination=_endpoint_label(channel, url)
        )
        result.sent.append(action["action_id"])
    else:
        ledger.fail_delivery(attempt_id, tries=outcome.tries, http_status=outcome.http_status, error=outcome.error)
        result.failed.append((action["action_id"], outcome.error))


def _endpoint_label(channel: str, url: str) -> str:
    # Scheme, host and path only: a token in the query string or user info must not reach the audit trail.
    parts = urlsplit(url)
    return f"{channel} webhook {parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"


def refusal_reason(ledger: Ledger, action: dict, approval: dict | None, chain: ChainReport) -> Refusal | None:
    """Why this approved action must not go out, or None when it may (`chain`: this run's `ledger.verify()`)."""
    if approval is None:
        return Refusal("no_approval", "no approval event for this action")
    if chain.first_bad_event_id is not None and approval["event_id"] >= chain.first_bad_event_id:
        return Refusal(
            "approval_not_verified",
            f"the approval (event {approval['event_id']}) is not part of the verified audit chain",
        )
    sent_in = ledger.dispatched_event_id(action["action_id"])
    if sent_in is not None:
        return Refusal("replay", f"already sent (event {sent_in}); a sent action is never sent again")
    if approval["detail"].get("digest") != approval_digest(action):
        return Refusal("changed_after_approval", "what would be sent differs from what was approved")
    approver = ledger.get_user(approval["actor"])
    if approver is None:
        return Refusal("approver_not_allowed", "the approving user no longer exists or is disabled")
    if not can_approve(approver, action["action_type"], action["location_id"]):
        return Refusal(
            "approver_not_allowed",
            f"the approving user ({approver.role}) may not approve {action['action_type']} at this location now",
        )
    return None


def recipient_refusal(action: dict, approval: dict | None, addresses: SnapshotAddressBook | None) -> Refusal | None:
    """Refuse an approved fax or text whose recipient's number on file is not the one it was approved with
    (the approval digest recomputed with today's number). Raises RecipientRefused when no snapshot can be read."""
    if addresses is None or approval is None or not action.get("recipient_ref_json"):
        return None
    now_on_file = {**action, "recipient_ref_json": current_ref_json(addresses, action["recipient_ref_json"])}
    if approval["detail"].get("digest") != approval_digest(now_on_file):
        return Refusal(
            "changed_after_approval",
            "the recipient's number on file changed (or is gone) since "
            "approval; a person must approve the action again",
        )
    return None


def outbox_path(outbox_dir: Path, action: dict) -> Path | None:
    parts = (action["action_type"], action["location_id"], action["action_id"])
    if not all(SAFE_PATH_PART.match(part) and part not in (".", "..") for part in parts):
        return None
    return Path(outbox_dir) / parts[0] / parts[1] / f"{parts[2]}.txt"


def render_outbox_document(action: dict, approval: dict, approver_name: str) -> str:
    """The work item a person opens: the action's header in their dates and the group's clock, the approved
    body, the checklist."""
    due = fmt_date(action["due_date"]) if action["due_date"] else "none"
    approved_at = local_time_text(approval["occurred_at"], get_settings().group_time_zone)
    lines = [
        action["title"],
        "=" * len(action["title"]),
        f"Recipient: {action['recipient']}",
        f"Due date: {due}",
        f"Dollars at stake: {format_money(action['dollars_at_stake'])}",
        f"Approved by: {approver_name} ({approval['actor']}, {approval['actor_role']}) at {approved_at}",
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
