"""Rows written in bulk for generated data: COPY on PostgreSQL, batched INSERTs elsewhere.

Ids are given by the loader, not the database: the rows and their audit events
are written without reading anything back. ``finish`` moves each table's id
sequence past the ids used, so the application goes on numbering after them.
Only for a loader that runs alone (no other writer inserts into these tables
while it runs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

BATCH = 2_000
Row = dict[str, Any]


def _copy_value(value: Any) -> Any:
    """What COPY takes for a value: JSON documents as text, everything else as psycopg adapts it."""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


class BulkWriter:
    """Writes rows to tables on one connection, inside its transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.copies = connection.dialect.name == "postgresql"
        self._next_id: dict[str, int] = {}
        self._used: set[sa.Table] = set()

    def ids(self, table: sa.Table, count: int) -> range:
        """``count`` new ids for ``table``, after every id it holds."""
        first = self._next_id.get(table.name)
        if first is None:
            first = (self.connection.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))) or 0) + 1
        self._next_id[table.name] = first + count
        return range(first, first + count)

    def write(self, connection: Connection, table: sa.Table, rows: list[Row]) -> None:
        """Write ``rows`` (each naming every column it sets) to ``table``: an ``EventWriter`` too."""
        if not rows:
            return
        self._used.add(table)
        if not self.copies:
            for start in range(0, len(rows), BATCH):
                connection.execute(sa.insert(table), rows[start : start + BATCH])
            return
        columns = list(rows[0])
        names = ", ".join(f'"{name}"' for name in columns)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([_copy_value(row[name]) for name in columns])

    def finish(self) -> None:
        """Move the id sequence of every table written past its highest id (PostgreSQL)."""
        if not self.copies:
            return
        for table in self._used:
            if "id" not in table.c or not table.c.id.autoincrement:
                continue
            highest = f'(SELECT max(id) FROM "{table.name}")'
            self.connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), {highest})"))


def chunks(total: int, size: int) -> Iterator[range]:
    """``range(total)`` in consecutive ranges of at most ``size``."""
    for start in range(0, total, size):
        yield range(start, min(start + size, total))
