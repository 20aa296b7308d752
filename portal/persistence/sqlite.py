"""Make the embedded SQLite database behave like the production one where it matters."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


def configure_sqlite(engine: Engine) -> None:
    """Enforce foreign keys, wait on locks, and let SQLAlchemy own transactions.

    pysqlite opens transactions lazily and ignores SAVEPOINT bookkeeping; the
    listeners below hand transaction control to SQLAlchemy (BEGIN on begin) so
    savepoints, rollbacks and the test recipe work as on PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")
