"""The rows audit events are about, read back for what their events do not say: currency and agent.

An update keeps only the columns it changed: a wallet's new balance carries neither its currency nor its agent, so
the trail could show neither money nor whose wallet. Neither changes once a row exists, so both are read from the
row itself, for every such event of a page in one query (a ``UNION ALL`` of the tables concerned, each by its
primary key); always that one query, so that a page costs the same whatever it holds. A row deleted since keeps
its event unexplained: its amounts read as minor units.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent
from portal.models.base import Base


@dataclass(frozen=True)
class SubjectFacts:
    """What an event's row says of itself: the currency of its amounts, and the agent it belongs to."""

    currency: str | None
    agent_id: int | None
    agent_name: str | None


Subject = tuple[str, int]


@functools.cache
def _subject_tables() -> dict[str, sa.Table]:
    """Audited tables keyed by one integer ``id`` that hold a ``currency`` or an ``agent_id``, by entity type."""
    tables = {}
    for mapper in Base.registry.mappers:
        model, table = mapper.class_, mapper.class_.__table__
        keys = [column.name for column in table.primary_key]
        if model.__audited__ and keys == ["id"] and ("currency" in table.c or "agent_id" in table.c):
            tables[model.__name__] = table
    return tables


def explained(entity_type: str) -> bool:
    """Whether rows of ``entity_type`` can be read back for their currency and agent."""
    return entity_type in _subject_tables()


def _facts_of(entity_type: str, table: sa.Table, ids: set[int]) -> sa.Select:
    agent_id = table.c.id if table.name == Agent.__tablename__ else table.c.get("agent_id")
    currency = table.c.get("currency")
    return sa.select(
        sa.literal(entity_type).label("entity_type"),
        table.c.id.label("id"),
        (currency if currency is not None else sa.cast(sa.null(), sa.String(3))).label("currency"),
        (agent_id if agent_id is not None else sa.cast(sa.null(), sa.BigInteger)).label("agent_id"),
    ).where(table.c.id.in_(ids))


def subject_facts(session: Session, subjects: Iterable[Subject]) -> dict[Subject, SubjectFacts]:
    """The currency and agent of each of ``subjects`` (entity type, id) still on file, in one query."""
    # At least one part, empty when no event needs it: the query runs whatever the page holds.
    wanted: dict[str, set[int]] = {Agent.__name__: set()}
    for entity_type, row_id in subjects:
        if explained(entity_type):
            wanted.setdefault(entity_type, set()).add(row_id)
    tables = _subject_tables()
    parts = [_facts_of(entity_type, tables[entity_type], ids) for entity_type, ids in sorted(wanted.items())]
    rows = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery()
    statement = sa.select(rows, Agent.name.label("agent_name")).outerjoin(Agent, Agent.id == rows.c.agent_id)
    return {
        (row.entity_type, row.id): SubjectFacts(row.currency, row.agent_id, row.agent_name)
        for row in session.execute(statement)
    }
