"""Counting the SQL statements a piece of code issues."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: The log-in session's last use, moved at most once a minute (``mark_session_used``): bookkeeping of whoever is
#: logged in, not the page's cost. Left in, a slow run that crosses the minute between two pages it compares would
#: count one statement more on the second.
_SESSION_MARK = "UPDATE LOGIN_SESSION SET LAST_SEEN_AT"


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect every statement sent to any engine while the block runs (but the once-a-minute session mark)."""
    statements: list[str] = []

    def _record(conn, cursor, statement, parameters, context, executemany) -> None:
        text = " ".join(statement.split()).upper()
        if not text.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", _SESSION_MARK)):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", _record)
