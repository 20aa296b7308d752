"""Typed read helpers for the views: plain values, a fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.extensions import db
from portal.models.base import utcnow
from portal.repositories.agents import AgentFilters, AgentListItem, AgentProfile, AgentReadRepository
from portal.repositories.appearance import Appearance, PortalAppearanceReadRepository
from portal.repositories.audit import AuditFilters, AuditReadRepository, AuditRow
from portal.repositories.commissions import CommissionReadRepository, CommissionRow
from portal.repositories.invoices import InvoiceDetail, InvoiceFilters, InvoiceReadRepository, InvoiceRow
from portal.repositories.ledger import LedgerEntry, WalletBalance, WalletLedgerReadRepository
from portal.repositories.notifications import NotificationReadRepository, NotificationRow
from portal.repositories.overview import DateRange, Overview, OverviewReadRepository
from portal.repositories.pages import Page, PageRequest
from portal.repositories.payments import PaymentReadRepository, PaymentRow
from portal.repositories.payouts import PayoutReadRepository, PayoutRow
from portal.repositories.summaries import AgentFinancialSummaryReadRepository, FinancialSummary
from portal.repositories.users import LoginRecord, UserReadRepository, UserRow
from portal.services.authentication import token_hash


@dataclass(frozen=True)
class PortalHome:
    """Everything an agent's portal home shows."""

    agent: AgentProfile
    appearance: Appearance
    summary: FinancialSummary
    recent_payments: list[PaymentRow]


@dataclass(frozen=True)
class AgentDetail:
    """The header of an agent's dashboard page, whatever tab is open."""

    agent: AgentProfile
    appearance: Appearance
    summary: FinancialSummary
    wallet: WalletBalance
    logins: list[UserRow]


AGENT_TABS = ("invoices", "payments", "ledger", "payouts", "commissions", "notifications", "audit")


def agents_overview(page: PageRequest, filters: AgentFilters | None = None) -> Page[AgentListItem]:
    """The dashboard's agent list with each agent's summary."""
    return AgentReadRepository(db.session).page(page, filters)


def agent_by_slug(slug: str) -> AgentProfile | None:
    return AgentReadRepository(db.session).by_slug(slug)


def agent_by_id(agent_id: int) -> AgentProfile | None:
    return AgentReadRepository(db.session).by_id(agent_id)


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


def agent_detail(agent: AgentProfile) -> AgentDetail:
    session = db.session
    return AgentDetail(
        agent=agent,
        appearance=appearance_for(agent),
        summary=AgentFinancialSummaryReadRepository(session).for_agent(agent.id, agent.currency),
        wallet=WalletLedgerReadRepository(session).balance(agent.id, agent.currency),
        logins=UserReadRepository(session).for_agent(agent.id),
    )


def agent_tab(agent: AgentProfile, tab: str, page: PageRequest, kind: str = "") -> Page:
    """One page of one tab of the agent's dashboard page."""
    session = db.session
    if tab == "invoices":
        return InvoiceReadRepository(session).page(page, InvoiceFilters(agent_id=agent.id))
    if tab == "payments":
        return PaymentReadRepository(session).page_for_agent(agent.id, page)
    if tab == "ledger":
        return WalletLedgerReadRepository(session).page(agent.id, page, kind)
    if tab == "payouts":
        return PayoutReadRepository(session).page(page, agent_id=agent.id)
    if tab == "commissions":
        return CommissionReadRepository(session).page(page, agent_id=agent.id)
    if tab == "notifications":
        return NotificationReadRepository(session).page_for_agent(agent.id, page)
    return AuditReadRepository(session).for_agent(agent.id, page)


def overview(period: DateRange, currency: str | None) -> Overview:
    return OverviewReadRepository(db.session).overview(period, currency)


def invoices(page: PageRequest, filters: InvoiceFilters) -> Page[InvoiceRow]:
    return InvoiceReadRepository(db.session).page(page, filters)


def invoice_detail(invoice_id: int) -> InvoiceDetail | None:
    return InvoiceReadRepository(db.session).detail(invoice_id)


def commissions(page: PageRequest, status: str = "pending") -> Page[CommissionRow]:
    return CommissionReadRepository(db.session).page(page, status=status, kind="commission")


def payouts(page: PageRequest, status: str) -> Page[PayoutRow]:
    return PayoutReadRepository(db.session).page(page, status=status)


def audit_events(page: PageRequest, filters: AuditFilters) -> Page[AuditRow]:
    return AuditReadRepository(db.session).page(page, filters)


def audit_entity_types() -> list[str]:
    return AuditReadRepository(db.session).entity_types()


def staff_users(page: PageRequest) -> Page[UserRow]:
    return UserReadRepository(db.session).page(page)


def user_by_id(user_id: int) -> UserRow | None:
    return UserReadRepository(db.session).by_id(user_id)


def ledger_entries(agent_id: int, page: PageRequest, kind: str = "") -> Page[LedgerEntry]:
    return WalletLedgerReadRepository(db.session).page(agent_id, page, kind)


def agent_notifications(agent_id: int, page: PageRequest) -> Page[NotificationRow]:
    return NotificationReadRepository(db.session).page_for_agent(agent_id, page)


def today() -> date:
    return utcnow().date()


def invoice_of_payment(payment_id: int) -> int | None:
    return PaymentReadRepository(db.session).invoice_id_of(payment_id)


def payout(payout_id: int) -> PayoutRow | None:
    return PayoutReadRepository(db.session).by_id(payout_id)


def portal_invoice(agent: AgentProfile, invoice_id: int) -> InvoiceDetail | None:
    """The invoice, when it is this agent's: another agent's invoice is simply not found."""
    detail = InvoiceReadRepository(db.session).detail(invoice_id)
    return detail if detail is not None and detail.invoice.agent_id == agent.id else None


def unread_notifications(agent: AgentProfile) -> int:
    return NotificationReadRepository(db.session).unread_count(agent.id)


def appearance_history(agent: AgentProfile) -> list[Appearance]:
    return PortalAppearanceReadRepository(db.session).history(agent.id)


def logo(agent: AgentProfile, logo_id: int):
    return PortalAppearanceReadRepository(db.session).logo(agent.id, logo_id)


def credited_commissions_by_day(agent: AgentProfile, days: int) -> dict[date, int]:
    return CommissionReadRepository(db.session).credited_by_day(agent.id, days)


def recent_logins(user_id: int, current_token: str | None) -> list[LoginRecord]:
    return UserReadRepository(db.session).recent_logins(user_id, token_hash(current_token) if current_token else None)
