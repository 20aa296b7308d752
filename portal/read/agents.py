"""Agents as the dashboard and the portal show them: profiles, and the list with each agent's summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, AgentFinancialSummary
from portal.models.agent import AgentStatus
from portal.models.base import UTCDateTime
from portal.read.pages import Key, Page, PageRequest, paginate
from portal.read.sql import contains
from portal.read.summaries import live_summaries

NEVER_PAID = datetime(1970, 1, 1, tzinfo=UTC)

#: what the agent list can be sorted by
AGENT_SORTS = ("name", "collected", "outstanding", "earned", "available", "last_payment")


@dataclass(frozen=True)
class AgentProfile:
    """Who an agent is and on what terms it works."""

    id: int
    slug: str
    name: str
    email: str
    phone: str | None
    status: str
    commission_rate_bps: int
    currency: str

    @property
    def active(self) -> bool:
        """Its users can log in and request payouts (a suspended agent's cannot)."""
        return self.status == AgentStatus.ACTIVE


@dataclass(frozen=True)
class AgentListItem:
    """One line of the agent list: the agent and its financial summary."""

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


@dataclass(frozen=True)
class AgentFilters:
    """What the agent list is narrowed and sorted by; empty values narrow nothing.

    ``search`` is looked for in names and slugs, ``status`` is one of ``AGENT_STATUSES``, ``sort`` one of
    ``AGENT_SORTS``.
    """

    search: str = ""
    status: str = ""
    sort: str = "name"
    descending: bool = False


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


class AgentReadRepository:
    """Agents as the dashboard and the portal show them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_slug(self, slug: str) -> AgentProfile | None:
        """The agent at ``/portal/<slug>/``, or None."""
        agent = self.session.scalar(sa.select(Agent).where(Agent.slug == slug))
        return _profile(agent) if agent else None

    def by_id(self, agent_id: int) -> AgentProfile | None:
        """One agent, or None."""
        agent = self.session.get(Agent, agent_id)
        return _profile(agent) if agent else None

    def page(
        self, request: PageRequest, filters: AgentFilters | None = None, live: bool = False
    ) -> Page[AgentListItem]:
        """One page of agents with their summaries: two queries whatever the size.

        ``live``: the figures computed from the source rows instead of read from the read model (the
        ``read_model_reads`` flag off): the same columns, a far dearer query, the same answer.
        """
        filters = filters or AgentFilters()
        source: sa.FromClause = live_summaries() if live else AgentFinancialSummary.__table__
        summary = source.c
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
        ).outerjoin(source, summary.agent_id == Agent.id)
        if filters.search:
            search = filters.search.lower()
            query = query.where(sa.or_(contains(sa.func.lower(Agent.name), search), contains(Agent.slug, search)))
        if filters.status:
            query = query.where(Agent.status == filters.status)
        # Never NULL, so that the keyset can compare it: an agent never paid sorts as paid at the epoch.
        never = sa.literal(NEVER_PAID, type_=UTCDateTime)
        last_payment = sa.func.coalesce(summary.last_payment_at, never)
        key = {"name": sa.func.lower(Agent.name), "last_payment": last_payment, **columns}[filters.sort]
        order = [Key(key, filters.descending), Key(Agent.id, filters.descending)]
        return paginate(self.session, query, order, request, lambda row: AgentListItem(**row))
