"""A PostgreSQL server for the tests, and throw-away databases on it.

Where the server comes from, in order: ``TEST_DATABASE_URL``; the server
listening on 127.0.0.1:5432; a private cluster started from the installed
server binaries (through ``runuser -u postgres`` when running as root, since
``pg_ctl`` refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from portal.config import normalise_database_url

LOCAL_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class PostgresUnavailable(RuntimeError):
    pass


def _libpq_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _accepts(url: str) -> bool:
    try:
        with psycopg.connect(_libpq_dsn(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_binaries() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class PrivateCluster:
    """A throw-away cluster in a temporary directory, stopped and removed at the end."""

    def __init__(self) -> None:
        self.bin = _server_binaries()
        if self.bin is None:
            raise PostgresUnavailable("no PostgreSQL server binaries (apt-get install postgresql)")
        self.root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def find_server() -> tuple[str, PrivateCluster | None]:
    """The admin URL of a reachable server, and the cluster to stop afterwards if we started one."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = normalise_database_url(configured)
        if not _accepts(url):
            raise PostgresUnavailable(f"TEST_DATABASE_URL={configured} does not accept connections")
        return url, None
    if _accepts(LOCAL_SERVER):
        return LOCAL_SERVER, None
    cluster = PrivateCluster()
    try:
        url = cluster.start()
    except (subprocess.SubprocessError, OSError) as error:
        cluster.stop()
        raise PostgresUnavailable(f"could not start a private cluster: {error}") from error
    for _ in range(50):
        if _accepts(url):
            return url, cluster
        time.sleep(0.1)
    cluster.stop()
    raise PostgresUnavailable("the private cluster did not accept connections")


class DatabaseFactory:
    """Creates uniquely named databases on one server and drops them all at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(_libpq_dsn(self.server_url), autocommit=True)

    def create(self) -> str:
        name = f"portal_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self._admin() as connection:
            for name in self.created:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.created.clear()
