"""Every row of a list, a keyset batch at a time, written out as CSV text as it is read.

A paged list is walked through the read helper its page uses, by the cursor each batch hands to the next: the
database seeks to the next batch through the list's index (the last batch costs what the first does), and only one
batch is ever held. Between batches the read transaction is ended (``pause``), so a slow download holds no
connection and no snapshot while its client reads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from portal.exports.cells import Column, guarded
from portal.read.pages import Cursor, Page, PageRequest

T = TypeVar("T")

#: rows read per query
BATCH = 500
#: rows written per chunk of the response
ROWS_PER_CHUNK = 200


class Listing(Protocol):
    """Rows to export, and how many the list holds (PostgreSQL's estimate beyond a thousand)."""

    @property
    def total(self) -> int: ...

    @property
    def estimated(self) -> bool: ...

    def rows(self) -> Iterator[Any]: ...


class PagedListing(Generic[T]):
    """A paged list, read through ``read`` (a page helper) batch by batch; the first batch is read at once."""

    def __init__(
        self, read: Callable[[PageRequest], Page[T]], pause: Callable[[], None] = lambda: None, batch: int | None = None
    ) -> None:
        self._read, self._pause, self._batch = read, pause, batch or BATCH
        self._first = read(PageRequest(per_page=self._batch))
        pause()

    @property
    def total(self) -> int:
        return self._first.total

    @property
    def estimated(self) -> bool:
        return self._first.estimated

    def rows(self) -> Iterator[T]:
        page = self._first
        while True:
            yield from page.items
            if page.next_cursor is None:
                return
            page = self._read(PageRequest(per_page=self._batch, cursor=Cursor.decode(page.next_cursor)))
            self._pause()


class FixedListing(Generic[T]):
    """A short list its page shows whole (API tokens): already read."""

    def __init__(self, items: Sequence[T]) -> None:
        self._items = items

    @property
    def total(self) -> int:
        return len(self._items)

    @property
    def estimated(self) -> bool:
        return False

    def rows(self) -> Iterator[T]:
        return iter(self._items)


def csv_text(columns: Sequence[Column], rows: Iterable[Any], rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[str]:
    """The header line, then every row, as CSV (RFC 4180: CRLF line ends, quotes doubled) in chunks of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([guarded(column.header) for column in columns])
    for count, row in enumerate(rows, 1):
        writer.writerow([column.cell(row) for column in columns])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
