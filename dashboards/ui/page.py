"""The top of every page: the signed-in user, the published snapshot (or why there is none) and the location
and payer filters. One definition, so every page says "as of" the same way and honours the overview's drill-down
links (?location=L01) the same way: only a location inside the user's scope is preselected, and the data
layer filters by scope again regardless."""

from __future__ import annotations

import streamlit as st

from dashboards import auth, data
from dashboards.ui.text import format_date, format_datetime, payer_label


def require_user():
    """The signed-in user, or the page stops with a message (the sign-in gate every view starts with)."""
    return auth.require_user()


def published_snapshot():
    """The snapshot the dashboard serves, captioned with its as-of date; without one the page says why and stops."""
    try:
        snapshot = data.current_snapshot()
    except data.NoSnapshot as exc:
        st.info(str(exc))
        st.stop()
    st.caption(f"Data as of {format_date(snapshot.as_of_date)} · published {format_datetime(snapshot.published_at)}")
    return snapshot


def location_names(user) -> dict[str, str]:
    """location_id -> name, for the user's locations."""
    try:
        locations = data.locations(user)
    except data.NoSnapshot:  # the board works from the ledger before anything is published
        return {}
    return dict(zip(locations["location_id"], locations["location_name"], strict=False))


def payer_names(user) -> dict[str, str]:
    try:
        payers = data.payers(user)
    except data.NoSnapshot:
        return {}
    return {
        payer: payer_label(name) or payer for payer, name in zip(payers["payer_id"], payers["payer_name"], strict=False)
    }


def location_filter(user, container=st, *, key: str) -> list[str]:
    """A multiselect of the user's locations; a ?location= link preselects its location when in scope."""
    names = location_names(user)
    linked = st.query_params.get("location")
    return container.multiselect(
        "Location",
        options=list(names),
        default=[linked] if linked in names else [],
        format_func=names.get,
        key=key,
    )


def payer_filter(user, container=st, *, key: str) -> list[str]:
    names = payer_names(user)
    return container.multiselect("Payer", options=list(names), format_func=names.get, key=key)
