"""Reading agents, with their financial summary, for lists and profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, AgentFinancialSummary
from portal.repositories.pages import Page, PageRequest


@dataclass(frozen=True)
class AgentProfile:
    id: int
    slug: str
    name: str
    email: str
    phone: str | None
    status: str
    commission_rate_bps: int
    currency: str


@dataclass(frozen=True)
class AgentListItem:
    id: int
    slug: str
    name: str
    status: str
    commission_rate_bps: int
    currency: str
    collected_minor: int
    outstanding_minor: int
    commissions_earned_minor: int
    wallet_available_minor: int
    wallet_held_minor: int
    last_payment_at: datetime | None


def _profile(agent: Agent) -> AgentProfile:
    return AgentProfile(
        id=agent.id,
        slug=agent.slug,
        name=agent.name,
        email=agent.email,
        phone=agent.phone,
        status=agent.status,
        commission_rate_bps=agent.commission_rate_bps,
        currency=agent.currency,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class AgentReadRepository:
    """Agents as the dashboard and the portal show them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_slug(self, slug: str) -> AgentProfile | None:
        agent = self.session.scalar(sa.select(Agent).where(Agent.slug == slug))
        return _profile(agent) if agent else None

    def by_id(self, agent_id: int) -> AgentProfile | None:
        agent = self.session.get(Agent, agent_id)
        return _profile(agent) if agent else None

    def page(self, request: PageRequest, search: str | None = None) -> Page[AgentListItem]:
        """One page of agents with their summaries: two queries whatever the size."""
        summary = AgentFinancialSummary
        conditions = []
        if search and search.strip():
            pattern = "%" + _escape_like(search.strip().lower()) + "%"
            conditions.append(
                sa.or_(
                    sa.func.lower(Agent.name).like(pattern, escape="\\"),
                    Agent.slug.like(pattern, escape="\\"),
                )
            )
        total = self.session.scalar(sa.select(sa.func.count(Agent.id)).where(*conditions))
        zero = sa.literal(0)
        rows = self.session.execute(
            sa.select(
                Agent.id,
                Agent.slug,
                Agent.name,
                Agent.status,
                Agent.commission_rate_bps,
                Agent.currency,
                sa.func.coalesce(summary.collected_minor, zero).label("collected_minor"),
                sa.func.coalesce(summary.outstanding_minor, zero).label("outstanding_minor"),
                sa.func.coalesce(summary.commissions_earned_minor, zero).label("commissions_earned_minor"),
                sa.func.coalesce(summary.wallet_available_minor, zero).label("wallet_available_minor"),
                sa.func.coalesce(summary.wallet_held_minor, zero).label("wallet_held_minor"),
                summary.last_payment_at,
            )
            .outerjoin(summary, summary.agent_id == Agent.id)
            .where(*conditions)
            .order_by(Agent.name, Agent.id)
            .limit(request.per_page)
            .offset(request.offset)
        ).mappings()
        return Page(
            items=[AgentListItem(**row) for row in rows],
            number=request.number,
            per_page=request.per_page,
            total=total or 0,
        )


class AgentRepository:
    """Agents as the commands change them; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, agent: Agent) -> Agent:
        self.session.add(agent)
        return agent

    def get(self, agent_id: int) -> Agent | None:
        return self.session.get(Agent, agent_id)

    def by_slug(self, slug: str) -> Agent | None:
        return self.session.scalar(sa.select(Agent).where(Agent.slug == slug))
