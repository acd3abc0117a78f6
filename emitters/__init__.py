"""Emitters turn flag-mart rows into drafted actions; the ledger keeps them; the dispatcher sends approved ones.

- `emitters.models`: DraftAction, ChecklistItem, User (the shapes shared with the dashboard).
- `emitters.registry`: one declaration per action type (flag model, draft function, approvers, channel, ...);
  who may approve (`can_approve`, for ledger and dispatcher), channels and emitter assets derive from it.
- `emitters.context` / `emitters.drafting`: what a draft function is given; drafting with set-aside, never stop.
- `emitters.reauth_packet`: flag_auths_needing_reauth rows -> re-authorization packet drafts.
- `emitters.ledger`: the action ledger (SQLAlchemy Core; SQLite WAL by default) and its audit chain.
- `emitters.dispatcher`: approved actions -> files in the outbox, after re-checking the approval.
"""
