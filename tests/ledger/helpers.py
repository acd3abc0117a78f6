"""What the board shows a person before they approve: the SHA-256 of the draft's current body."""

from __future__ import annotations

import sqlalchemy as sa

from ledger import actions, sha256_text


def shown_body_sha256(ledger, action_id: str) -> str:
    with ledger.engine.connect() as conn:
        return sha256_text(conn.execute(sa.select(actions.c.body).where(actions.c.action_id == action_id)).scalar_one())
