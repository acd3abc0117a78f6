"""The action ledger: drafted actions, people's decisions, users, and an append-only audit trail that proves
itself (a keyed hash chain, anchored outside the database).

SQLAlchemy Core over any URL; SQLite in WAL mode by default (settings.ledger_url). The pipeline writes drafts
(`sync_drafts`), the dashboard reads and decides (always scoped to the user's locations), the dispatcher sends
what was approved. Every change writes an audit event in the same transaction. Audit details carry references
(action_id, flag_id, patient_id), never patient names, dates of birth or member ids.

One module per concern, each a mixin of `Ledger`: schema, audit (chain, anchors, verify), drafts (pipeline
sync), decisions, queue, accounts (with passwords, sign_in, totp), delivery_attempts and dispatch (the send
side), control_numbers; cli.
"""

from .accounts import USER_ADMIN_ROLES, IssuedCode, User
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
from .passwords import PASSWORD_RULE, password_problem
from .queue import AGE_BUCKETS, QueueFilter, QueuePage
from .schema import actions, audit_events, delivery_attempts, metadata, users
from .sign_in import SignInResult
from .totp import TotpEnrolment

__all__ = [
    "AGE_BUCKETS",
    "AUDIT_READER_ROLES",
    "DELIVERY_DELIVERED",
    "DELIVERY_FAILED",
    "DELIVERY_INTERRUPTED",
    "DELIVERY_RETRY_REQUESTED",
    "DELIVERY_SENDING",
    "PASSWORD_RULE",
    "REASSIGN_SUPERVISOR_ROLES",
    "SYSTEM_DISPATCHER",
    "SYSTEM_PIPELINE",
    "USER_ADMIN_ROLES",
    "AuditKeyError",
    "BulkApproveResult",
    "ChainReport",
    "InvalidTransition",
    "IssuedCode",
    "Ledger",
    "PermissionDenied",
    "QueueFilter",
    "QueuePage",
    "SignInResult",
    "SyncResult",
    "TotpEnrolment",
    "User",
    "actions",
    "audit_events",
    "canonical_json",
    "delivery_attempts",
    "mask_terms",
    "metadata",
    "password_problem",
    "sha256_text",
    "users",
]
