"""What every write repository does: add a row to the unit of work's session, find one by its key."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain import errors
from portal.models.base import Base

M = TypeVar("M", bound=Base)


def changed_rows(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return cast(sa.CursorResult[Any], result).rowcount


class Repository(Generic[M]):
    """Rows of one model inside a unit of work; never commits."""

    model: ClassVar[type[Base]]
    #: What the rows are called in a refusal: "There is no such invoice."
    noun: ClassVar[str] = "record"

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: M) -> M:
        self.session.add(row)
        return row

    def get(self, key: Any) -> M | None:
        return self.session.get(self.model, key)  # type: ignore[return-value]

    def require(self, key: Any) -> M:
        """The row, or a NotFound refusal that names what was looked for."""
        row = self.get(key)
        if row is None:
            raise errors.NotFound(f"There is no such {self.noun}.")
        return row

    def refresh(self, row: M) -> M:
        """Read ``row`` again from the database: what another transaction committed meanwhile shows."""
        self.session.refresh(row)
        return row
