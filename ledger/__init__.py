"""The action ledger: drafted actions, people's decisions, users, and an append-only audit trail that proves
itself (a keyed hash chain, anchored outside the database).

SQLAlchemy Core over any URL; SQLite in WAL mode by default (settings.ledger_url). The pipeline writes drafts
(`sync_drafts`), the dashboard reads and decides (always scoped to the user's locations), the dispatcher sends
what was approved. Every change writes an audit event in the same transaction. Audit details carry references
(action_id, flag_id, patient_id), never patient names, dates of birth or member ids.

One module per concern, each a mixin of `Ledger`: schema, audit (chain, anchors, verify), drafts (pipeline
sync), decisions, queue, accounts, delivery_attempts and dispatch (the send side), control_numbers; cli.
"""

from .accounts import SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW, USER_ADMIN_ROLES, User
from .audit import (
    AUDIT_READER_ROLES,
    ChainReport,
    canonical_json,
    mask_terms,
    sha256_text,
)
from .decisions import REASSIGN_SUPERVISOR_ROLES, BulkApproveResult
from .delivery_attempts import (
    DELIVERY_DELIVERED,
    DELIVERY_FAILED,
    DELIVERY_INTERRUPTED,
    DELIVERY_RETRY_REQUESTED,
    DELIVERY_SENDING,
    SYSTEM_DISPATCHER,
)
from .drafts import SYSTEM_PIPELINE, SyncResult
from .errors import AuditKeyError, InvalidTransition, PermissionDenied
from .facade import Ledger
from .queue import AGE_BUCKETS, QueueFilter, QueuePage
from .schema import actions, audit_events, delivery_attempts, metadata, users

__all__ = [
    "AGE_BUCKETS", "AUDIT_READER_ROLES", "DELIVERY_DELIVERED", "DELIVERY_FAILED", "DELIVERY_INTERRUPTED",
    "DELIVERY_RETRY_REQUESTED", "DELIVERY_SENDING", "REASSIGN_SUPERVISOR_ROLES", "SIGN_IN_MAX_FAILURES",
    "SIGN_IN_WINDOW", "SYSTEM_DISPATCHER", "SYSTEM_PIPELINE", "USER_ADMIN_ROLES", "AuditKeyError",
    "BulkApproveResult", "ChainReport", "InvalidTransition", "Ledger", "PermissionDenied", "QueueFilter", "QueuePage",
    "SyncResult", "User", "actions", "audit_events", "canonical_json", "delivery_attempts", "mask_terms", "metadata",
    "sha256_text", "users",
]
