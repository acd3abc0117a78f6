"""Emitters turn flag-mart rows into drafted actions; the `ledger` package keeps them; `delivery` sends approved ones.

- `emitters.models`: DraftAction, ChecklistItem (the shapes emitters produce).
- `emitters.registry`: one declaration per action type (flag model, draft function, approvers, channel, ...);
  who may approve (`can_approve`, for ledger and dispatcher), channels and emitter assets derive from it.
- `emitters.context` / `emitters.drafting`: what a draft function is given; drafting with set-aside, never stop.
- `emitters.reauth_packet`: flag_auths_needing_reauth rows -> re-authorization packet drafts.
"""
