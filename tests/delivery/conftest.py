"""The ledger tests' fixtures: flag rows, a settable clock, a fresh SQLite ledger, stored users, and the audit key
and anchor file of every ledger in the test's temp dir. The ledger is SQLite here (several tests edit its file to
prove a tampered row is refused); tests/ledger runs the ledger itself on PostgreSQL too."""

from tests.emitters.conftest import (  # noqa: F401  (fixtures pytest finds by name)
    clock,
    flag_row,
    ledger,
    make_history,
    make_row,
    password,
    users,
)
from tests.ledger.conftest import audit_files_in_tmp  # noqa: F401
