"""Reading agents, with their financial summary, for lists and profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, AgentFinancialSummary
from portal.repositories.base import Repository
from portal.repositories.pages import Page, PageRequest, escape_like, paginate


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


@dataclass(frozen=True)
class AgentFilters:
    """What the agent list is narrowed and sorted by; unknown values fall back to defaults."""

    search: str = ""
    status: str = ""
    sort: str = "name"
    descending: bool = False

    SORTS = ("name", "collected", "outstanding", "earned", "available", "last_payment")

    @classmethod
    def parse(cls, args) -> AgentFilters:
        status = args.get("status", "")
        sort = args.get("sort", "name")
        return cls(
            search=args.get("q", "").strip()[:100],
            status=status if status in ("active", "suspended") else "",
            sort=sort if sort in cls.SORTS else "name",
            descending=args.get("dir") == "desc",
        )

    def sort_args(self, key: str) -> dict:
        """The query for a column header: the same column flips direction, a new one starts sensibly."""
        descending = not self.descending if key == self.sort else key != "name"
        return self.query_args(sort=key, dir="desc" if descending else "", page="")

    def query_args(self, **changes) -> dict:
        values = {"q": self.search, "status": self.status, "sort": self.sort, "dir": "desc" if self.descending else ""}
        values.update(changes)
        return {key: value for key, value in values.items() if value}


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

    def page(self, request: PageRequest, filters: AgentFilters | None = None) -> Page[AgentListItem]:
        """One page of agents with their summaries: two queries whatever the size."""
        filters = filters or AgentFilters()
        summary = AgentFinancialSummary
        zero = sa.literal(0)
        columns = {
            "collected": sa.func.coalesce(summary.collected_minor, zero),
            "outstanding": sa.func.coalesce(summary.outstanding_minor, zero),
            "earned": sa.func.coalesce(summary.commissions_earned_minor, zero),
            "available": sa.func.coalesce(summary.wallet_available_minor, zero),
            "held": sa.func.coalesce(summary.wallet_held_minor, zero),
        }
        query = sa.select(
            Agent.id,
            Agent.slug,
            Agent.name,
            Agent.status,
            Agent.commission_rate_bps,
            Agent.currency,
            columns["collected"].label("collected_minor"),
            columns["outstanding"].label("outstanding_minor"),
            columns["earned"].label("commissions_earned_minor"),
            columns["available"].label("wallet_available_minor"),
            columns["held"].label("wallet_held_minor"),
            summary.last_payment_at,
        ).outerjoin(summary, summary.agent_id == Agent.id)
        if filters.search:
            pattern = "%" + escape_like(filters.search.lower()) + "%"
            query = query.where(
                sa.or_(sa.func.lower(Agent.name).like(pattern, escape="\\"), Agent.slug.like(pattern, escape="\\"))
            )
        if filters.status:
            query = query.where(Agent.status == filters.status)
        key = {"name": sa.func.lower(Agent.name), "last_payment": summary.last_payment_at, **columns}[filters.sort]
        key = key.desc().nulls_last() if filters.descending else key.asc().nulls_first()
        return paginate(self.session, query.order_by(key, Agent.id), request, lambda row: AgentListItem(**row))


class AgentRepository(Repository[Agent]):
    """Agents as the commands change them; never commits."""

    model = Agent
    noun = "agent"

    def by_slug(self, slug: str) -> Agent | None:
        return self.session.scalar(sa.select(Agent).where(Agent.slug == slug))
