"""Feature flags as the admins' page shows them: state, override, and who is in and out of each rollout."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.flags.catalog import CATALOG, FlagDefinition, Scope
from portal.flags.evaluation import decide, state_of
from portal.models import Agent, FeatureFlag


@dataclass(frozen=True)
class FlagView:
    definition: FlagDefinition
    stored: bool
    enabled: bool
    rollout_percentage: int
    allow_list: list[str]
    deny_list: list[str]
    reason: str | None
    updated_by: str | None
    override: bool | int | None
    #: agents in and out of the rollout (agent-scoped flags), with the override applied
    agents_in: int | None
    agents_out: int | None


class FlagReadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def views(self, overrides: dict[str, bool | int]) -> list[FlagView]:
        rows = {row.name: row for row in self.session.scalars(sa.select(FeatureFlag))}
        slugs: list[str] | None = None
        views = []
        for name, definition in CATALOG.items():
            row = rows.get(name)
            state = state_of(row) if row is not None else None
            agents_in = agents_out = None
            if definition.scope == Scope.AGENT:
                slugs = slugs if slugs is not None else list(self.session.scalars(sa.select(Agent.slug)))
                agents_in = sum(decide(definition, state, overrides.get(name), slug)[0] for slug in slugs)
                agents_out = len(slugs) - agents_in
            views.append(FlagView(
                definition=definition, stored=row is not None,
                enabled=row.enabled if row is not None else definition.default,
                rollout_percentage=row.rollout_percentage if row is not None else 100,
                allow_list=sorted(row.allow_list or []) if row is not None else [],
                deny_list=sorted(row.deny_list or []) if row is not None else [],
                reason=row.reason if row is not None else None, updated_by=row.updated_by if row is not None else None,
                override=overrides.get(name), agents_in=agents_in, agents_out=agents_out,
            ))  # fmt: skip
        return views
