"""Emitters turn flag-mart rows into drafted actions; the ledger keeps them; the dispatcher sends approved ones.

- `emitters.models`: DraftAction, ChecklistItem, User (the shapes shared with the dashboard).
- `emitters.roles`: who may approve which action type (one definition for ledger and dispatcher).
- `emitters.reauth_packet`: flag_auths_needing_reauth rows -> re-authorization packet drafts.
- `emitters.ledger`: the action ledger (SQLAlchemy Core; SQLite WAL by default) and its audit chain.
- `emitters.dispatcher`: approved actions -> files in the outbox, after re-checking the approval.
"""
