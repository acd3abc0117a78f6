"""A throwaway PostgreSQL cluster for the tests: initdb in a fresh temp dir, started with pg_ctl on a unix
socket in that dir (no TCP listener, so it never collides with another cluster), stopped and removed at the
end. The server binaries come from Debian's `postgresql` package (`make postgresql` installs it).

PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` account the package creates.
Durability settings are off: the data lives for one test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEBIAN_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SUPERUSER = "postgres"
SERVER_SETTINGS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c shared_buffers=128MB -c max_connections=60"
)


@dataclass(frozen=True)
class PostgresCluster:
    socket_dir: Path
    port: int
    user: str = SUPERUSER

    def dsn(self, dbname: str) -> str:
        """libpq connection string (psycopg)."""
        return f"host={self.socket_dir} port={self.port} user={self.user} dbname={dbname}"

    def sqlalchemy_url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def create_database(self, dbname: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as con:
            con.execute(f'create database "{dbname}"')

    def drop_database(self, dbname: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as con:
            con.execute(f'drop database if exists "{dbname}" with (force)')

    def warehouse_env(self, dbname: str) -> dict[str, str]:
        """The settings that point the pipeline and dbt at a database of this cluster."""
        return {
            "RCM_WAREHOUSE": "postgres",
            "RCM_PG_HOST": str(self.socket_dir),
            "RCM_PG_PORT": str(self.port),
            "RCM_PG_USER": self.user,
            "RCM_PG_PASSWORD": "",
            "RCM_PG_DATABASE": dbname,
        }


def server_binary(name: str) -> str | None:
    for directory in DEBIAN_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *command] if os.geteuid() == 0 else command


def start_cluster() -> tuple[PostgresCluster, Path]:
    """Start a cluster; returns it and the temp dir to hand to `stop_cluster`."""
    initdb, pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise RuntimeError("PostgreSQL server binaries not found: run `make postgresql` (Debian's postgresql)")
    # Not under pytest's tmp dirs: those are private to the current user, and as root the server is `postgres`.
    root = Path(tempfile.mkdtemp(prefix="rcm-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user=SUPERUSER)
    data = root / "data"
    subprocess.run(
        _as_server_user([initdb, "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"]),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-k {root} -p {port} {SERVER_SETTINGS}"
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(data), "-l", str(root / "server.log"), "-o", options, "-w", "start"]),
        check=True,
        capture_output=True,
    )
    return PostgresCluster(socket_dir=root, port=port), root


def stop_cluster(root: Path) -> None:
    pg_ctl = server_binary("pg_ctl")
    subprocess.run(
        _as_server_user([pg_ctl, "-D", str(root / "data"), "-m", "immediate", "-w", "stop"]),
        check=False,
        capture_output=True,
    )
    shutil.rmtree(root, ignore_errors=True)
