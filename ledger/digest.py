"""What an approval binds: the SHA-256 of everything the dispatcher sends or prints for an action.

The approval event stores this digest; the dispatcher recomputes it from the row it is about to send and
refuses on any difference, so a row changed after approval (text, recipient, location, type, checklist, ...)
never goes out under someone else's approval. The channel is not part of it: routing is configuration
(`RCM_DELIVERY_CHANNEL_MAP`), not something a person approves per action.
"""

from __future__ import annotations

from collections.abc import Mapping

from .audit import canonical_json, sha256_text

# Columns of `actions` that reach the receiver: the webhook payload and the outbox document are built from them.
BOUND_COLUMNS = (
    "action_id",
    "flag_id",
    "action_type",
    "location_id",
    "payer_id",
    "patient_id",
    "recipient",
    "title",
    "body",
    "checklist_json",
    "due_date",
    "dollars_at_stake",
)


# Bound when present: the fax or text recipient by reference, with the fingerprint of the number the draft was
# written against. Left out when NULL, so approvals of actions without one keep the digest they were given.
RECIPIENT_REF_COLUMN = "recipient_ref_json"


def approval_digest(action: Mapping) -> str:
    """Digest of an action row (or the ledger's dict of one): the same value for both."""
    bound = {column: action[column] for column in BOUND_COLUMNS}
    bound["dollars_at_stake"] = str(bound["dollars_at_stake"])  # the row stores text, the dict a Decimal
    if action.get(RECIPIENT_REF_COLUMN) is not None:
        bound[RECIPIENT_REF_COLUMN] = action[RECIPIENT_REF_COLUMN]
    return sha256_text(canonical_json(bound))
