"""Who may decide (edit, approve, reject, snooze) each action type.

One definition, read by the ledger when a person decides and by the dispatcher when it sends, so the
UI, the ledger and the send path can never disagree. An action type missing here can be approved by no one.
"""

from __future__ import annotations

from .models import User

ACTION_APPROVER_ROLES: dict[str, frozenset[str]] = {
    "reauth_packet": frozenset({"front_desk", "billing", "admin"}),
}


def can_approve(user: User, action_type: str, location_id: str) -> bool:
    """True when the user's role may decide this action type and the location is in the user's scope."""
    allowed_roles = ACTION_APPROVER_ROLES.get(action_type, frozenset())
    return user.role in allowed_roles and user.can_see(location_id)
