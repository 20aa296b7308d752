"""A page of a long list."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PageRequest:
    """Which page to show; out-of-range input is clamped, never an error."""

    number: int = 1
    per_page: int = 25

    @classmethod
    def parse(cls, number: str | int | None, per_page: int = 25) -> PageRequest:
        try:
            value = int(number or 1)
        except (TypeError, ValueError):
            value = 1
        return cls(max(1, value), max(1, min(per_page, MAX_PER_PAGE)))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)


def paginate(session, query, request: PageRequest, make: Callable[[Any], T]) -> Page[T]:
    """One page of ``query`` (a select of labelled columns) and the total: two queries."""
    import sqlalchemy as sa

    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.limit(request.per_page).offset(request.offset)).mappings()
    return Page([make(row) for row in rows], request.number, request.per_page, total or 0)


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
