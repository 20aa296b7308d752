"""Declarative base, naming convention and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CURRENCY_LENGTH = 3
#: Row ids are 32-bit integer columns: no row has an id above this, so a larger one is simply not found.
MAX_ROW_ID = 2**31 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zones and returns naive values; PostgreSQL returns
    aware ones. Both come back as aware UTC so comparisons and audit hashes
    agree across databases.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONDocument = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
Money = sa.BigInteger


class Base(DeclarativeBase):
    """Base of every model: naming convention and audit declarations."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    #: Every model maps one table (DeclarativeBase allows any FromClause).
    __table__: ClassVar[sa.Table]

    #: Inserts, updates and deletes of this entity are written to the audit trail.
    __audited__: ClassVar[bool] = False
    #: Columns never written to the audit trail in clear.
    __audit_secret__: ClassVar[frozenset[str]] = frozenset()
    #: Columns masked (``column -> masking function name``) before auditing.
    __audit_masked__: ClassVar[dict[str, str]] = {}
    #: Where a row names the agent it belongs to, so each of its events joins that agent's trail: the column holding
    #: the agent's id (``agent_id``, for a model that has one), or ``AgentThrough`` the row it belongs to.
    __audit_agent__: ClassVar[str | AgentThrough] = "agent_id"


class AgentThrough(NamedTuple):
    """A row that belongs to an agent through another row (a refund, through its payment): that row's column, model."""

    column: str
    model: type[Base]


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def column_length(attribute: Any) -> int:
    """The length of a ``String`` column (``Agent.name`` → 200): forms and commands take their limits from it."""
    length = attribute.property.columns[0].type.length
    if length is None:
        raise TypeError(f"{attribute} has no length")
    return length


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that ``column`` takes one of ``values``."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def currency_check(column: str = "currency") -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"length({column}) = {CURRENCY_LENGTH} AND upper({column}) = {column}",
        name=f"{column}_iso4217",
    )
