"""A page of a long list, and the one way a read repository cuts one: by keyset.

A page starts after (or ends before) the sort key of a row, carried in an
opaque cursor: the database seeks straight to it through the index, so the
last page costs what the first does. Nothing counts a whole large table per
request: up to ``EXACT_UP_TO`` rows are counted exactly, beyond that the
total is PostgreSQL's planner estimate, shown as "about 2.1M". A page asked
for by number (``?page=N``, from an old link) is still served, by offset.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

T = TypeVar("T")
U = TypeVar("U")

MAX_PER_PAGE = 100
#: the highest page number whose offset still fits a 64-bit integer, whatever the page size
MAX_PAGE_NUMBER = (2**63 - 1) // MAX_PER_PAGE
#: a list up to this long is counted exactly; a longer one is estimated
EXACT_UP_TO = 1_000
#: a cursor holds a few sort keys: anything longer was not written by this code
MAX_CURSOR_LENGTH = 2_000
_KEY = "_page_key_"


class CursorNotValid(ValueError):
    """A cursor this code did not write (edited, truncated, from another list)."""


@dataclass(frozen=True)
class Key:
    """One column of a list's order: an expression that is never NULL, ascending or descending."""

    #: a column or an SQL expression of one
    expression: Any
    descending: bool = False


@dataclass(frozen=True)
class Cursor:
    """Where a page is: after (``next``) or before (``previous``) a row's key, or the list's end (``last``).

    ``position`` is the 1-based place in the list of the page's first row, for "26–50 of 734".
    """

    direction: str
    key: tuple = ()
    position: int | None = 1

    def encode(self) -> str:
        document = {"d": self.direction, "k": [_plain(value) for value in self.key], "p": self.position}
        return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            document = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            direction, key, position = document["d"], tuple(document["k"]), document["p"]
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise CursorNotValid(text) from None
        if direction not in ("next", "previous", "last") or (direction != "last" and not key):
            raise CursorNotValid(text)
        if position is not None and (not isinstance(position, int) or position < 1):
            raise CursorNotValid(text)
        return cls(direction, key, position)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@dataclass(frozen=True)
class PageRequest:
    """Which page to show: from a cursor, by number (old links), or the first; ``per_page`` from 1 to 100."""

    number: int | None = None
    per_page: int = 25
    cursor: Cursor | None = None
    #: the cursor given could not be read: the first page is shown, saying so
    cursor_refused: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, where it sits in the list, and the cursors to its neighbours."""

    items: Sequence[T]
    per_page: int
    #: 1-based position of the first row, when known (unknown on the last page of an estimated list)
    position: int | None
    total: int
    #: the total is PostgreSQL's estimate, not a count
    estimated: bool = False
    next_cursor: str | None = None
    previous_cursor: str | None = None
    is_last: bool = False
    #: the page number asked for when it lay past the end and the last page is shown instead
    asked_for: int | None = None
    #: the page number, for a page asked for by number
    number: int | None = None
    cursor_refused: bool = False

    def with_items(self, items: Sequence[U]) -> Page[U]:
        """The same page of other rows: its rows read further (one for one), keeping where it sits in the list."""
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "items"}
        return Page(items, **fields)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def last_cursor(self) -> str:
        """The cursor of the list's last page."""
        return last_cursor()

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one; estimated with the total)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int | None:
        return self.position if self.items else 0

    @property
    def last_index(self) -> int | None:
        return None if self.position is None else self.position + len(self.items) - 1


def count_or_estimate(session, query) -> tuple[int, bool]:
    """How many rows ``query`` gives, and whether that is an estimate.

    On PostgreSQL, counted up to ``EXACT_UP_TO`` (a bounded index scan), beyond
    that the planner's estimate. SQLite, the embedded database of a single
    small installation, counts exactly.
    """
    unordered = query.order_by(None)
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return session.scalar(sa.select(sa.func.count()).select_from(unordered.subquery())) or 0, False
    capped = unordered.limit(EXACT_UP_TO + 1).subquery()
    counted = session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0
    if counted <= EXACT_UP_TO:
        return counted, False
    compiled = unordered.compile(dialect=bind.dialect)
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled.string}", compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), EXACT_UP_TO + 1), True


def paginate(
    session,
    query,
    order: Sequence[Key],
    request: PageRequest,
    make: Callable[[Any], T],
    count=None,
) -> Page[T]:
    """One page of ``query`` (a select of labelled columns) in ``order`` (its last key unique): three queries.

    ``count`` is a cheaper query of the same rows to count (without a join that adds none).
    """
    total, estimated = count_or_estimate(session, count if count is not None else query)
    if request.number is not None:
        return _by_number(session, query, order, request, make, total, estimated)
    keyed = query.add_columns(*(key.expression.label(f"{_KEY}{i}") for i, key in enumerate(order)))
    cursor, refused = request.cursor or Cursor("next", (), 1), request.cursor_refused
    try:
        beyond = _beyond(order, cursor.key, cursor.direction != "next") if cursor.key else None
    except CursorNotValid:
        cursor, beyond, refused = Cursor("next", (), 1), None, True
    backwards = cursor.direction in ("previous", "last")
    statement = keyed.order_by(None).order_by(*(_sorted(key, reverse=backwards) for key in order))
    if beyond is not None:
        statement = statement.where(beyond)
    rows = list(session.execute(statement.limit(request.per_page + 1)).mappings())
    more = len(rows) > request.per_page
    rows = rows[: request.per_page]
    if backwards:
        rows.reverse()
    position = _position(cursor, len(rows), total, estimated)
    keys = [tuple(row[f"{_KEY}{i}"] for i in range(len(order))) for row in rows]
    at_start = (cursor.direction == "next" and not cursor.key) or (backwards and not more)
    at_end = cursor.direction == "last" or (cursor.direction == "next" and not more)
    if cursor.direction == "previous" and not more:
        position = 1
    next_position = None if position is None else position + len(rows)
    previous_position = None if position is None else max(1, position - request.per_page)
    total, estimated = _reconciled(total, estimated, position, len(rows), at_end)
    return Page(
        [make(_without_keys(row)) for row in rows],
        request.per_page,
        position,
        total,
        estimated,
        next_cursor=None if at_end or not rows else Cursor("next", keys[-1], next_position).encode(),
        previous_cursor=None if at_start or not rows else Cursor("previous", keys[0], previous_position).encode(),
        is_last=at_end,
        cursor_refused=refused,
    )


def _reconciled(total: int, estimated: bool, position: int | None, shown: int, at_end: bool) -> tuple[int, bool]:
    """An estimate corrected by what the page saw: at the end of the list, the exact total; never fewer than seen."""
    if not estimated or position is None:
        return total, estimated
    seen = position + shown - 1
    if at_end:
        return seen, False
    return max(total, seen), True


def last_cursor() -> str:
    """The cursor of a list's last page."""
    return Cursor("last", (), None).encode()


def _position(cursor: Cursor, shown: int, total: int, estimated: bool) -> int | None:
    if cursor.direction == "last":
        return None if estimated else max(1, total - shown + 1)
    return cursor.position


def _sorted(key: Key, reverse: bool) -> sa.ColumnElement[Any]:
    return key.expression.desc() if key.descending != reverse else key.expression.asc()


def _beyond(order: Sequence[Key], values: tuple, backwards: bool) -> sa.ColumnElement[bool]:
    """The rows after ``values`` in ``order`` (before them, ``backwards``): one row-value comparison."""
    descending = {key.descending for key in order}
    if len(descending) != 1:
        raise ValueError("every key of a keyset order runs the same way")
    if len(values) != len(order):
        raise CursorNotValid(repr(values))
    columns = sa.tuple_(*(key.expression for key in order))
    bound = sa.tuple_(
        *(sa.literal(_typed(key, value), type_=key.expression.type) for key, value in zip(order, values, strict=True))
    )
    forwards_is_less = descending.pop() != backwards
    return columns < bound if forwards_is_less else columns > bound


_BIGINT = 2**63


def _typed(key: Key, value: Any) -> Any:
    """A cursor's JSON value as the key's column holds it (timestamps and days come back as text)."""
    column_type = key.expression.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl_instance
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = object
    if python_type in (datetime, date):
        try:
            return python_type.fromisoformat(value)
        except (TypeError, ValueError):
            raise CursorNotValid(repr(value)) from None
    if python_type is int and (type(value) is not int or not -_BIGINT <= value < _BIGINT):
        raise CursorNotValid(repr(value))
    if python_type is str and not isinstance(value, str):
        raise CursorNotValid(repr(value))
    return value


def _without_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in row.items() if not name.startswith(_KEY)}


def _by_number(session, query, order, request, make, total, estimated) -> Page:
    """A page asked for by number (an old link): by offset; past the end, the last page, saying so.

    Its Previous and Next go on by keyset.
    """
    number, asked_for = request.number or 1, None
    pages = max(1, math.ceil(total / request.per_page))
    if total and number > pages:
        number, asked_for = pages, request.number
    offset = (number - 1) * request.per_page
    keyed = query.add_columns(*(key.expression.label(f"{_KEY}{i}") for i, key in enumerate(order)))
    statement = keyed.order_by(None).order_by(*(_sorted(key, reverse=False) for key in order))
    rows = list(session.execute(statement.limit(request.per_page).offset(offset)).mappings())
    keys = [tuple(row[f"{_KEY}{i}"] for i in range(len(order))) for row in rows]
    is_last = number >= pages
    following = Cursor("next", keys[-1], offset + len(rows) + 1).encode() if rows and not is_last else None
    preceding = Cursor("previous", keys[0], max(1, offset + 1 - request.per_page)).encode() if rows and offset else None
    total, estimated = _reconciled(total, estimated, offset + 1, len(rows), len(rows) < request.per_page)
    return Page(
        [make(_without_keys(row)) for row in rows], request.per_page, offset + 1, total, estimated,
        next_cursor=following, previous_cursor=preceding, is_last=is_last, asked_for=asked_for, number=number,
    )  # fmt: skip
