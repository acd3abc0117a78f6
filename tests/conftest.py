"""Fixtures every test folder may use: one throwaway PostgreSQL cluster per test session (started on first use),
and a fresh database in it per caller (tests/postgres_cluster.py)."""

from __future__ import annotations

import uuid

import pytest

from tests.postgres_cluster import PostgresCluster, start_cluster, stop_cluster


@pytest.fixture(scope="session")
def postgres_cluster() -> PostgresCluster:
    cluster, root = start_cluster()
    try:
        yield cluster
    finally:
        stop_cluster(root)


@pytest.fixture
def postgres_database(postgres_cluster):
    """A new, empty database for one test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres_cluster.create_database(name)
    yield name
    postgres_cluster.drop_database(name)
