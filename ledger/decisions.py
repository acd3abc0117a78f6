"""A person's decisions on a draft: edit, approve, reject, snooze, assign, and bulk approval of low-risk drafts.

Every check reads the user as stored now (a role change or a disabled account counts at once), in the same
write transaction as the change and its audit event.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from core.approval_date import date_on_approval
from core.vocabulary import LIVE_STATUSES
from emitters.registry import approver_roles, can_approve

from .accounts import User, fetch_user, user_from_row
from .audit import canonical_json, mask_terms, sha256_text
from .digest import approval_digest
from .errors import InvalidTransition, PermissionDenied
from .queue import dollars_sql, scope_condition, status_conditions
from .rows import action_dict, effective_status
from .schema import action_assignments, actions, fetch_action, parse_iso, users

# The columns holding a draft's text, where an approval-date placeholder is filled in when it is approved.
_DATED = ("body", "original_body")
# Who may reassign an action they cannot decide themselves (supervisors), within their locations.
REASSIGN_SUPERVISOR_ROLES = frozenset({"director", "admin"})


@dataclass
class BulkApproveResult:
    approved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (action id, reason)


def _exclusive_key(evidence_json: str) -> tuple[str | None, int]:
    evidence = json.loads(evidence_json or "[]")
    first = evidence[0] if evidence and isinstance(evidence[0], dict) else {}
    return first.get("exclusive_key"), int(first.get("exclusive_window_minutes") or 0)


class Decisions:
    """Ledger methods for people's decisions; mixed into Ledger (uses its writer, clock and audit chain)."""

    def edit_draft(self, user: User, action_id: str, new_body: str) -> dict:
        if not new_body or not new_body.strip():
            raise ValueError("the edited draft is empty")
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "edit")
            if new_body == row.body:
                return action_dict(row, self._today())
            diff = "\n".join(
                difflib.unified_diff(row.body.splitlines(), new_body.splitlines(), "draft", "edited", lineterm="")
            )
            detail = {
                "before_sha256": sha256_text(row.body),
                "after_sha256": sha256_text(new_body),
                "diff": mask_terms(diff, json.loads(row.phi_terms_json)),
            }
            return self._record(conn, row, actor, "draft_edited", detail, body=new_body)

    def check_item(self, user: User, action_id: str, item: str) -> dict:
        """A person confirms one checklist item of a draft they may decide (e.g. "proof of timely filing is
        attached"); required items must all be checked before the draft can be approved."""
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "check")
            checklist = json.loads(row.checklist_json)
            if not any(i["item"] == item for i in checklist):
                raise ValueError(f"the draft has no checklist item {item!r}")
            checked = [{**i, "present": True} if i["item"] == item else i for i in checklist]
            return self._record(
                conn, row, actor, "checklist_item_checked", {"item": item}, checklist_json=canonical_json(checked)
            )

    def approve(self, user: User, action_id: str, *, expected_body_sha256: str) -> dict:
        """Approve the draft as it stands, only if its text is still the one the person saw (the SHA-256 of the
        body shown, checked inside the same write transaction). The approval event records the digest of
        everything that will be sent (ledger/digest.py); the dispatcher sends nothing that differs from it."""
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "approve")
            if sha256_text(row.body) != expected_body_sha256:
                raise InvalidTransition("the draft's text changed since it was shown; open it again")
            unchecked = [i["item"] for i in json.loads(row.checklist_json) if i.get("required") and not i["present"]]
            if unchecked:
                raise InvalidTransition("required checklist item not checked: " + "; ".join(unchecked))
            conflict = self._exclusive_conflict(conn, row)
            if conflict is not None:
                raise InvalidTransition(conflict)
            # The letter's date is the approval day (core/approval_date.py), in the draft the pipeline wrote too,
            # so an unedited draft still reads as unedited.
            day = self._approval_day()
            dated = {column: date_on_approval(row._mapping[column], day) for column in _DATED}
            approved = {**row._mapping, **dated}
            detail = {
                "flag_id": row.flag_id,
                "body_sha256": sha256_text(approved["body"]),
                "digest": approval_digest(approved),
                "dollars_at_stake": row.dollars_at_stake,
                "due_date": row.due_date,
            }
            return self._record(conn, row, actor, "approved", detail, status="approved", snoozed_until=None, **dated)

    def _approval_day(self) -> date:
        """Today where the group works: a letter approved at 8 pm in Chicago is dated that day, not UTC's next."""
        from core.settings import get_settings  # read when a draft is approved, never at import time

        return self._now().astimezone(ZoneInfo(get_settings().group_time_zone)).date()

    def _exclusive_conflict(self, conn: sa.Connection, row) -> str | None:
        """Why this action may not be approved now because of another, or None.

        An action whose first evidence row names an `exclusive_key` (e.g. a slot offer: "slot:<id>") may not
        be approved while another action of the same type and key is approved, or was sent less than
        `exclusive_window_minutes` ago (scheduling's one-offer-at-a-time rule).
        """
        key, _ = _exclusive_key(row.evidence_json)
        if key is None:
            return None
        others = conn.execute(
            sa.select(actions).where(
                actions.c.action_type == row.action_type,
                actions.c.action_id != row.action_id,
                actions.c.status.in_(["approved", "sent"]),
            )
        )
        now = self._now()
        for other in others:
            other_key, window = _exclusive_key(other.evidence_json)
            if other_key != key:
                continue
            if other.status == "approved":
                return f"another {row.action_type} for the same {key.split(':')[0]} is already approved"
            sent_at = parse_iso(other.updated_at)
            if now < sent_at + timedelta(minutes=window):
                return f"another {row.action_type} for the same {key.split(':')[0]} is still inside its offer window"
        return None

    def reject(self, user: User, action_id: str, reason: str) -> dict:
        if not reason or not reason.strip():
            raise ValueError("a rejection needs a reason")
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "reject")
            # People type patient names into reasons: the draft's identifiers are masked, as in edit diffs.
            masked = mask_terms(reason.strip(), json.loads(row.phi_terms_json))
            detail = {"flag_id": row.flag_id, "reason": masked}
            return self._record(conn, row, actor, "rejected", detail, status="rejected", snoozed_until=None)

    def snooze(self, user: User, action_id: str, until: date) -> dict:
        if until <= self._today():
            raise ValueError("snooze until a date after today")
        with self._writer.begin() as conn:
            row, actor = self._decidable(conn, user, action_id, "snooze")
            detail = {"flag_id": row.flag_id, "until": until}
            return self._record(conn, row, actor, "snoozed", detail, status="snoozed", snoozed_until=until)

    def _record(self, conn: sa.Connection, row, actor: User, event: str, detail: dict, **changes) -> dict:
        """Write a decision's changes to the action and the audit event naming who made it, in the caller's
        transaction; returns the action as it now stands."""
        conn.execute(
            actions.update().where(actions.c.action_id == row.action_id).values(**changes, updated_at=self._now_iso())
        )
        self._append_event(
            conn,
            event,
            actor.username,
            actor_role=actor.role,
            action_id=row.action_id,
            location_id=row.location_id,
            detail=detail,
        )
        return action_dict(fetch_action(conn, row.action_id), self._today())

    def _decidable(self, conn: sa.Connection, user: User, action_id: str, step: str):
        """The action row and the user as stored now, after the role, scope and status checks."""
        actor = fetch_user(conn, user.username)
        row = fetch_action(conn, action_id)
        if actor is None or row is None or not actor.can_see(row.location_id):
            raise PermissionDenied(f"{step}: action {action_id} is not in your locations")
        if not can_approve(actor, row.action_type, row.location_id):
            raise PermissionDenied(f"{step}: role {actor.role} may not decide {row.action_type} actions")
        status = effective_status(row, self._today())
        if status not in LIVE_STATUSES:
            raise InvalidTransition(f"cannot {step} an action that is {status}")
        return row, actor

    # ----- assignment -----------------------------------------------------------------------------------

    def eligible_assignees(self, user: User, action_id: str) -> list[dict]:
        """Enabled users who may decide this action (role and location); empty when it is out of scope."""
        with self.engine.connect() as conn:
            row = fetch_action(conn, action_id)
            if row is None or not user.can_see(row.location_id):
                return []
            candidates = [
                user_from_row(u)
                for u in conn.execute(sa.select(users).where(users.c.disabled == sa.false()).order_by(users.c.username))
            ]
        return [
            {"username": u.username, "display_name": u.display_name, "role": u.role}
            for u in candidates
            if can_approve(u, row.action_type, row.location_id)
        ]

    def assign(self, user: User, action_id: str, assignee: str) -> dict:
        """Route a live action to one person who may decide it. Audited as `reassigned` (from, to).

        The actor must be able to decide the action or be a supervisor (director, admin) of its location.
        """
        with self._writer.begin() as conn:
            actor = fetch_user(conn, user.username)
            row = fetch_action(conn, action_id)
            if actor is None or row is None or not actor.can_see(row.location_id):
                raise PermissionDenied(f"reassign: action {action_id} is not in your locations")
            if not (can_approve(actor, row.action_type, row.location_id) or actor.role in REASSIGN_SUPERVISOR_ROLES):
                raise PermissionDenied(f"reassign: role {actor.role} may not route {row.action_type} actions")
            status = effective_status(row, self._today())
            if status not in LIVE_STATUSES:
                raise InvalidTransition(f"cannot reassign an action that is {status}")
            target = fetch_user(conn, assignee)
            if target is None or not can_approve(target, row.action_type, row.location_id):
                raise PermissionDenied(
                    f"reassign: {assignee} may not decide {row.action_type} actions at {row.location_id}"
                )
            before = conn.execute(
                sa.select(action_assignments.c.assignee).where(action_assignments.c.action_id == action_id)
            ).scalar()
            if before == assignee:
                return action_dict(fetch_action(conn, action_id), self._today()) | {"assignee": before}
            values = {"assignee": assignee, "assigned_by": actor.username, "assigned_at": self._now_iso()}
            if before is None:
                conn.execute(action_assignments.insert().values(action_id=action_id, **values))
            else:
                conn.execute(
                    action_assignments.update().where(action_assignments.c.action_id == action_id).values(**values)
                )
            self._append_event(
                conn,
                "reassigned",
                actor.username,
                actor_role=actor.role,
                action_id=action_id,
                location_id=row.location_id,
                detail={"flag_id": row.flag_id, "from": before, "to": assignee},
            )
            return action_dict(fetch_action(conn, action_id), self._today()) | {"assignee": assignee}

    # ----- bulk approval of low-risk drafts -------------------------------------------------------------

    def _low_risk_conditions(self, user: User, action_type: str, max_dollars: Decimal) -> list:
        """The one definition of a low-risk draft: a type flagged low-risk, open, unedited, at most max_dollars."""
        return [
            scope_condition(user),
            actions.c.action_type == action_type,
            *status_conditions(["open"], self._today()),
            actions.c.body == actions.c.original_body,
            dollars_sql() <= max_dollars,
        ]

    def low_risk_actions(
        self,
        user: User,
        action_type: str,
        *,
        max_dollars: Decimal,
        low_risk_types: Iterable[str],
        location_ids: Iterable[str] | None = None,
        limit: int = 200,
    ) -> list[dict]:
        """Open drafts of one low-risk type this user may approve, for a bulk approval (empty otherwise)."""
        if action_type not in set(low_risk_types) or user.role not in approver_roles(action_type):
            return []
        query = (
            sa.select(actions)
            .where(*self._low_risk_conditions(user, action_type, max_dollars))
            .order_by(dollars_sql().desc(), sa.nulls_last(actions.c.due_date.asc()), actions.c.action_id)
            .limit(limit)
        )
        if location_ids:
            query = query.where(actions.c.location_id.in_(list(location_ids)))
        today = self._today()
        with self.engine.connect() as conn:
            return [action_dict(row, today) for row in conn.execute(query)]

    def bulk_approve(
        self,
        user: User,
        listed: Mapping[str, str],
        *,
        action_type: str,
        max_dollars: Decimal,
        low_risk_types: Iterable[str],
    ) -> BulkApproveResult:
        """Approve each listed draft by itself (its own `approved` event, as a single approval), after checking
        that it is still low-risk. `listed` maps each action id to the SHA-256 of the body the person was shown:
        a draft whose text changed since (edited, or refreshed by a pipeline run) is refused, not approved."""
        ids = list(listed)
        result = BulkApproveResult()
        if action_type not in set(low_risk_types):
            result.refused = [(i, f"{action_type} is not a low-risk action type") for i in ids]
            return result
        with self.engine.connect() as conn:
            still_low_risk = set(
                conn.execute(
                    sa.select(actions.c.action_id).where(
                        actions.c.action_id.in_(ids), *self._low_risk_conditions(user, action_type, max_dollars)
                    )
                ).scalars()
            )
        for action_id in ids:
            if action_id not in still_low_risk:
                result.refused.append((action_id, "no longer an open, unedited low-risk draft in your scope"))
                continue
            try:
                self.approve(user, action_id, expected_body_sha256=listed[action_id])
            except (PermissionDenied, InvalidTransition) as exc:
                result.refused.append((action_id, str(exc)))
            else:
                result.approved.append(action_id)
        self.record(
            "bulk_approved",
            user.username,
            actor_role=user.role,
            detail={
                "action_type": action_type,
                "approved": result.approved,
                "refused": [i for i, _ in result.refused],
                "max_dollars": str(max_dollars),
            },
        )
        return result
