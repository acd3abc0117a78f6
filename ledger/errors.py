"""What the ledger raises when a step is not allowed."""


class PermissionDenied(Exception):
    """The user may not do this: wrong role for the action type, or location out of scope."""


class InvalidTransition(Exception):
    """The action's status does not allow this step (e.g. approving a rejected action)."""


class AuditKeyError(Exception):
    """The audit key file is missing, unreadable, too open, or the ledger's chain is not keyed yet."""
