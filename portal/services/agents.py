"""Onboarding agents: the agent, its wallet, its summary row and its first branding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.domain import errors
from portal.domain.money import is_known_currency
from portal.models import AgentFinancialSummary, PortalAppearance
from portal.models.agent import MAX_RATE_BPS, SLUG_PATTERN, Agent
from portal.persistence.unit_of_work import UnitOfWork
from portal.repositories.appearance import DEFAULT_ACCENT, DEFAULT_PRIMARY

_SLUG = re.compile(SLUG_PATTERN)


@dataclass(frozen=True)
class AgentDraft:
    slug: str
    name: str
    email: str
    commission_rate_bps: int
    currency: str
    phone: str | None = None


def create_agent(uow: UnitOfWork, draft: AgentDraft) -> int:
    """Add an agent ready to earn: wallet, zeroed summary and house branding; returns its id."""
    slug = draft.slug.strip().lower()
    if not _SLUG.fullmatch(slug):
        raise errors.InputNotValid("The slug is the portal's address: 1 to 64 lower-case letters, digits and dashes.")
    if not draft.name.strip():
        raise errors.InputNotValid("Enter the agent's name.")
    if not 0 <= draft.commission_rate_bps <= MAX_RATE_BPS:
        raise errors.InputNotValid("The commission rate must be between 0% and 100%.")
    if not is_known_currency(draft.currency):
        raise errors.InputNotValid(f"{draft.currency} is not an ISO-4217 currency code.")
    with uow:
        if uow.agents.by_slug(slug) is not None:
            raise errors.InputNotValid(f"The slug {slug!r} is taken by another agent.")
        agent = uow.agents.add(
            Agent(
                slug=slug,
                name=draft.name.strip(),
                email=draft.email.strip(),
                phone=(draft.phone or "").strip() or None,
                status="active",
                commission_rate_bps=draft.commission_rate_bps,
                currency=draft.currency,
            )
        )
        uow.flush()
        uow.wallets.open(agent.id, agent.currency)
        uow.session.add(AgentFinancialSummary(agent_id=agent.id, currency=agent.currency))
        uow.session.add(
            PortalAppearance(
                agent_id=agent.id,
                version=1,
                display_name=agent.name[:80],
                welcome_text="",
                primary_color=DEFAULT_PRIMARY,
                accent_color=DEFAULT_ACCENT,
                created_by=str(uow.actor),
            )
        )
        uow.flush()
        agent_id = agent.id
        uow.commit()
    return agent_id


@dataclass(frozen=True)
class AgentChanges:
    name: str
    email: str
    phone: str | None
    commission_rate_bps: int


def update_agent(uow: UnitOfWork, agent_id: int, changes: AgentChanges) -> None:
    """Change an agent's name, contact and rate (new payments earn at the new rate)."""
    if not changes.name.strip():
        raise errors.InputNotValid("Enter the agent's name.")
    if not 0 <= changes.commission_rate_bps <= MAX_RATE_BPS:
        raise errors.InputNotValid("The commission rate must be between 0% and 100%.")
    with uow:
        agent = uow.agents.get(agent_id)
        if agent is None:
            raise errors.NotFound("There is no such agent.")
        agent.name = changes.name.strip()
        agent.email = changes.email.strip()
        agent.phone = (changes.phone or "").strip() or None
        agent.commission_rate_bps = changes.commission_rate_bps
        uow.commit()


def set_agent_status(uow: UnitOfWork, agent_id: int, status: str) -> None:
    """Suspend (no log-in, no payouts) or reactivate an agent; ``uow.reason`` says why."""
    if status not in ("active", "suspended"):
        raise errors.InputNotValid("An agent is either active or suspended.")
    if not (uow.reason or "").strip():
        raise errors.ReasonRequired("Give a reason; it is kept in the audit trail.")
    with uow:
        agent = uow.agents.get(agent_id)
        if agent is None:
            raise errors.NotFound("There is no such agent.")
        if agent.status == status:
            raise errors.InputNotValid(f"{agent.name} is already {status}.")
        agent.status = status
        uow.commit()
