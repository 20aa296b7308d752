"""A page of a long list, and the one way a read repository cuts one."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

T = TypeVar("T")

MAX_PER_PAGE = 100
#: the highest page number whose offset still fits a 64-bit integer, whatever the page size
MAX_PAGE_NUMBER = (2**63 - 1) // MAX_PER_PAGE


@dataclass(frozen=True)
class PageRequest:
    """Which page to show: ``number`` from 1 to ``MAX_PAGE_NUMBER``, ``per_page`` from 1 to ``MAX_PER_PAGE``."""

    number: int = 1
    per_page: int = 25

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.number - 1) * self.per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows, and where it sits in the whole list."""

    items: Sequence[T]
    number: int
    per_page: int
    total: int
    #: The page asked for when it lay past the end and the last page is shown instead.
    asked_for: int | None = None

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """The 1-based position of the page's first row in the list (0 when empty)."""
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        """The 1-based position of the page's last row in the list."""
        return (self.number - 1) * self.per_page + len(self.items)


def paginate(session, query, request: PageRequest, make: Callable[[Any], T], count=None) -> Page[T]:
    """One page of ``query`` (a select of labelled columns) and the total: two queries.

    ``count`` is a cheaper query of the same total, when there is one (without a join
    that adds no rows). A page past the end is not shown empty (as if the list were):
    the last page is shown instead, saying which page was asked for.
    """
    if count is None:
        count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    total = session.scalar(count) or 0
    asked_for = None
    if total and request.offset >= total:
        asked_for = request.number
        request = PageRequest(math.ceil(total / request.per_page), request.per_page)
    rows = session.execute(query.limit(request.per_page).offset(request.offset)).mappings()
    return Page([make(row) for row in rows], request.number, request.per_page, total, asked_for)
