"""Onboarding and managing agents: the agent, its wallet, its summary row and its first branding."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.commands.base import Command, CommandResult, require_id, require_reason
from portal.domain import errors
from portal.domain.money import is_known_currency
from portal.domain.phones import to_e164
from portal.domain.text import one_line, within
from portal.models import PortalAppearance
from portal.models.agent import DEFAULT_ACCENT, DEFAULT_PRIMARY, MAX_RATE_BPS, SLUG_PATTERN, Agent, AgentStatus
from portal.models.base import column_length
from portal.persistence.protocols import UnitOfWork

_SLUG = re.compile(SLUG_PATTERN)
MAX_DISPLAY_NAME = column_length(PortalAppearance.display_name)


@dataclass(frozen=True)
class AgentChanged(CommandResult):
    agent_id: int
    slug: str
    name: str
    status: str


def _name(value: str) -> str:
    return one_line(value, column_length(Agent.name), "The agent's name", "name")


def _rate(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_RATE_BPS:
        raise errors.InputNotValid("The commission rate must be between 0% and 100%.", "rate_percent")
    return value


def _email(value: str) -> str:
    email = (value or "").strip()
    if not email:
        raise errors.InputNotValid("Enter the agent's e-mail address.", "email")
    return within(email, column_length(Agent.email), "The e-mail address", "email")


def _phone(value: str | None) -> str | None:
    """No number, or a valid one in E.164 (given with its country code: the page adds the default region's)."""
    phone = (value or "").strip()
    return to_e164(phone) if phone else None


@dataclass(frozen=True, kw_only=True)
class CreateAgent(Command[AgentChanged]):
    """Add an agent ready to earn: wallet, zeroed summary and house branding."""

    name = "create_agent"
    result_type = AgentChanged

    slug: str
    agent_name: str
    email: str
    commission_rate_bps: int
    currency: str
    phone: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        slug = (self.slug or "").strip().lower()
        if not _SLUG.fullmatch(slug):
            raise errors.InputNotValid(
                "The slug is the portal's address: 1 to 64 lower-case letters, digits and dashes.", "slug"
            )
        if not isinstance(self.currency, str) or not is_known_currency(self.currency):
            raise errors.InputNotValid(f"{self.currency} is not an ISO-4217 currency code.", "currency")
        self._set("slug", slug)
        self._set("agent_name", _name(self.agent_name))
        self._set("email", _email(self.email))
        self._set("phone", _phone(self.phone))
        _rate(self.commission_rate_bps)


@dataclass(frozen=True, kw_only=True)
class UpdateAgent(Command[AgentChanged]):
    """Change an agent's name, contact and rate (new payments earn at the new rate)."""

    name = "update_agent"
    result_type = AgentChanged

    agent_id: int
    agent_name: str
    email: str
    commission_rate_bps: int
    phone: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        self._set("agent_name", _name(self.agent_name))
        self._set("email", _email(self.email))
        self._set("phone", _phone(self.phone))
        _rate(self.commission_rate_bps)


@dataclass(frozen=True, kw_only=True)
class SetAgentStatus(Command[AgentChanged]):
    """Suspend (no log-in, no payouts) or reactivate an agent, with a reason."""

    name = "set_agent_status"
    result_type = AgentChanged

    agent_id: int
    status: AgentStatus
    reason: str

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        if self.status not in tuple(AgentStatus):
            raise errors.InputNotValid("An agent is either active or suspended.")
        self._set("status", AgentStatus(self.status))
        self._set("reason", require_reason(self.reason))

    @property
    def audit_name(self) -> str:
        return "reactivate_agent" if self.status == AgentStatus.ACTIVE else "suspend_agent"


def create_agent(uow: UnitOfWork, command: CreateAgent) -> AgentChanged:
    if uow.agents.by_slug(command.slug) is not None:
        raise errors.InputNotValid(f"The slug {command.slug!r} is taken by another agent.", "slug")
    agent = uow.agents.add(
        Agent(
            slug=command.slug, name=command.agent_name, email=command.email, phone=command.phone,
            status=AgentStatus.ACTIVE, commission_rate_bps=command.commission_rate_bps, currency=command.currency,
        )
    )  # fmt: skip
    uow.flush()
    uow.wallets.open(agent.id, agent.currency)
    uow.summaries.open(agent.id, agent.currency)
    uow.appearances.add(
        PortalAppearance(
            agent_id=agent.id, version=1, display_name=agent.name[:MAX_DISPLAY_NAME], welcome_text="",
            primary_color=DEFAULT_PRIMARY, accent_color=DEFAULT_ACCENT, created_by=str(uow.actor),
        )
    )  # fmt: skip
    uow.flush()
    return _changed(agent)


def update_agent(uow: UnitOfWork, command: UpdateAgent) -> AgentChanged:
    agent = uow.agents.require(command.agent_id)
    agent.name = command.agent_name
    agent.email = command.email
    agent.phone = command.phone
    agent.commission_rate_bps = command.commission_rate_bps
    uow.flush()
    return _changed(agent)


def set_agent_status(uow: UnitOfWork, command: SetAgentStatus) -> AgentChanged:
    """A suspension ends the agent's log-in sessions for good: reactivating does not bring them back."""
    agent = uow.agents.require(command.agent_id)
    agent.change_status(command.status)
    if command.status == AgentStatus.SUSPENDED:
        uow.users.end_sessions_of_agent(agent.id, uow.now)
    uow.flush()
    return _changed(agent)


def _changed(agent: Agent) -> AgentChanged:
    return AgentChanged(replayed=False, agent_id=agent.id, slug=agent.slug, name=agent.name, status=agent.status)
