"""Typed read helpers for the views: plain values, a fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db
from portal.repositories.agents import AgentListItem, AgentProfile, AgentReadRepository
from portal.repositories.appearance import Appearance, PortalAppearanceReadRepository
from portal.repositories.pages import Page, PageRequest
from portal.repositories.payments import PaymentReadRepository, PaymentRow
from portal.repositories.summaries import AgentFinancialSummaryReadRepository, FinancialSummary


@dataclass(frozen=True)
class PortalHome:
    """Everything an agent's portal home shows."""

    agent: AgentProfile
    appearance: Appearance
    summary: FinancialSummary
    recent_payments: list[PaymentRow]


def agents_overview(page: PageRequest, search: str | None = None) -> Page[AgentListItem]:
    """The dashboard's agent list with each agent's summary."""
    return AgentReadRepository(db.session).page(page, search=search)


def agent_by_slug(slug: str) -> AgentProfile | None:
    return AgentReadRepository(db.session).by_slug(slug)


def appearance_for(agent: AgentProfile) -> Appearance:
    """The agent's current branding, or the house default before the first save."""
    current = PortalAppearanceReadRepository(db.session).current(agent.id)
    return current or Appearance.default(agent.id, agent.name)


def portal_home(agent: AgentProfile) -> PortalHome:
    session = db.session
    return PortalHome(
        agent=agent,
        appearance=appearance_for(agent),
        summary=AgentFinancialSummaryReadRepository(session).for_agent(agent.id, agent.currency),
        recent_payments=PaymentReadRepository(session).recent_for_agent(agent.id),
    )
