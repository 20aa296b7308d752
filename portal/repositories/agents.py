"""Agents inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import Agent
from portal.repositories.base import Repository


class AgentRepository(Repository[Agent]):
    """Agents as the commands change them; never commits."""

    model = Agent
    noun = "agent"

    def by_slug(self, slug: str) -> Agent | None:
        return self.session.scalar(sa.select(Agent).where(Agent.slug == slug))
