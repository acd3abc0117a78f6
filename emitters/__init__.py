"""Emitters turn flag-mart rows into drafted actions; the `ledger` package keeps them; `delivery` sends approved ones.

- `emitters.models`: DraftAction, ChecklistItem (the shapes emitters produce).
- `emitters.roles`: who may approve which action type (one definition for ledger and dispatcher).
- `emitters.reauth_packet`: flag_auths_needing_reauth rows -> re-authorization packet drafts.
"""
