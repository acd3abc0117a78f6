"""Location scoping, in one place: `scoped_query` is the only way the data layer reads the snapshot.

Scope is enforced in SQL with parameters, never by hiding widgets: the signed-in user's locations (and the
locations a page asked for, which can only narrow them) become a predicate on the mart's location column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from core.vocabulary import ALL_LOCATIONS
from dashboards.data.snapshot import read

SCOPE = "{scope}"
DEFAULT_MISSING = "The published data lacks a table this page needs. Re-run the pipeline once to build it."


class NotAllowed(RuntimeError):
    """The signed-in user's role or scope may not see this screen."""


def any_of(column: str, values: Sequence[Any] | None, name: str) -> tuple[str, dict[str, Any]]:
    """`column in ($name_0, ...)` with its parameters; no values means no restriction."""
    if not values:
        return "true", {}
    params = {f"{name}_{i}": value for i, value in enumerate(values)}
    return f"{column} in ({', '.join('$' + key for key in params)})", params


def scope_predicate(
    user, column: str = "location_id", chosen_locations: Sequence[str] | None = None
) -> tuple[str, dict[str, str]]:
    """The SQL predicate limiting `column` to the user's locations, narrowed to `chosen_locations` if any."""
    if ALL_LOCATIONS in user.locations:
        allowed, allowed_params = "true", {}
    elif not user.locations:
        allowed, allowed_params = "false", {}
    else:
        allowed, allowed_params = any_of(column, sorted(user.locations), "scope_location")
    chosen, chosen_params = any_of(column, list(chosen_locations or ()), "chosen_location")
    return f"({allowed} and {chosen})", {**allowed_params, **chosen_params}


def scoped_query(
    user,
    sql_template: str,
    params: Mapping[str, Any] | None = None,
    *,
    location_column: str | None = "location_id",
    chosen_locations: Sequence[str] | None = None,
    missing_message: str = DEFAULT_MISSING,
) -> pd.DataFrame:
    """Run `sql_template` on the published snapshot with the user's location scope applied.

    Every `{scope}` in the template becomes the scope predicate on `location_column` (a template without one
    is refused, so no query can forget it). `params` are the template's own named ($name) parameters.
    `location_column=None` is for group-wide tables that carry no location (ingest files): only users with
    every location may read them, and the template has no `{scope}`.
    """
    params = dict(params or {})
    if location_column is None:
        if SCOPE in sql_template:
            raise ValueError("a group-wide query has no location column to scope by")
        if ALL_LOCATIONS not in user.locations:
            raise NotAllowed(
                "These rows cover every location, so only users with access to all locations can see them."
            )
        return read(sql_template, params, missing_message=missing_message)
    if SCOPE not in sql_template:
        raise ValueError("a scoped query must contain {scope} where the location predicate goes")
    predicate, scope_params = scope_predicate(user, location_column, chosen_locations)
    clash = set(params) & set(scope_params)
    if clash:
        raise ValueError(f"parameter names reserved for scoping: {sorted(clash)}")
    return read(sql_template.replace(SCOPE, predicate), {**params, **scope_params}, missing_message=missing_message)


def require_role(user, roles: frozenset[str], message: str) -> None:
    if user.role not in roles:
        raise NotAllowed(message)
