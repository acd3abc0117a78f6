"""The ledger tests' fixtures: flag rows, a settable clock, a fresh SQLite ledger, stored users, and the audit key
and anchor file of every ledger in the test's temp dir."""

from tests.ledger.conftest import (  # noqa: F401  (fixtures pytest finds by name)
    audit_files_in_tmp,
    clock,
    flag_row,
    ledger,
    make_history,
    make_row,
    password,
    users,
)
