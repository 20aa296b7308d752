"""A page of a long list."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

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
