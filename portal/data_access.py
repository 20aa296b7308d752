"""Typed read helpers for the views: typed values in, frozen dataclasses out, a fixed number of queries each.

The views parse the query string (``portal.web.queries``) and call one helper per thing they show; an API would
call the same helpers. An agent's records are read through ``agent_*`` helpers, which take the agent itself, so
nothing of another agent's can be asked for by mistake.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask import current_app

from portal.extensions import db
from portal.flags.catalog import READ_MODEL_READS
from portal.flags.evaluation import flag_enabled
from portal.models.base import utcnow
from portal.models.commission import CommissionKind, CommissionStatus
from portal.models.ledger_rules import LedgerKind
from portal.models.wallet import PayoutStatus
from portal.read.actors import ActorDirectory, ActorNames
from portal.read.agents import AgentFilters, AgentListItem, AgentProfile, AgentReadRepository
from portal.read.api_tokens import ApiTokenReadRepository, ApiTokenRow
from portal.read.appearance import Appearance, Logo, PortalAppearanceReadRepository
from portal.read.audit import AuditEntry, AuditFilters, AuditReadRepository, AuditRow
from portal.read.commissions import CommissionReadRepository, CommissionRow
from portal.read.flags import FlagReadRepository, FlagView
from portal.read.invoices import InvoiceDetail, InvoiceFilters, InvoiceReadRepository, InvoiceRow
from portal.read.ledger import LedgerEntry, NamedLedgerEntry, WalletBalance, WalletLedgerReadRepository
from portal.read.notifications import NotificationReadRepository, NotificationRow
from portal.read.overview import DateRange, Overview, OverviewReadRepository
from portal.read.pages import Page, PageRequest
from portal.read.payments import PaymentReadRepository, PaymentRow
from portal.read.payouts import PayoutReadRepository, PayoutRow
from portal.read.statements import Month, Statement, StatementReadRepository
from portal.read.summaries import AgentFinancialSummaryReadRepository, FinancialSummary, LiveSummaryReadRepository
from portal.read.users import LoginRecord, UserReadRepository, UserRow
from portal.read.wallet_lines import WalletLine, WalletLinesReadRepository
from portal.services.authentication import token_hash
from portal.services.two_factor import enrolled


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


def today() -> date:
    """Today in UTC, the calendar the figures are kept in."""
    return utcnow().date()


# Agents


def live_figures() -> bool:
    """Whether agents' figures are computed from the source rows (``read_model_reads`` off), not the read model."""
    return not flag_enabled(READ_MODEL_READS)


def financial_summary(agent: AgentProfile) -> FinancialSummary:
    """What the agent has invoiced, collected, earned and holds: from the read model, or live when the flag says."""
    session = db.session()
    if live_figures():
        return LiveSummaryReadRepository(session).for_agent(agent.id, agent.currency)
    return AgentFinancialSummaryReadRepository(session).for_agent(agent.id, agent.currency)


def agents_overview(page: PageRequest, filters: AgentFilters | None = None) -> Page[AgentListItem]:
    """The dashboard's agent list with each agent's summary."""
    return AgentReadRepository(db.session()).page(page, filters, live=live_figures())


def agent_by_slug(slug: str) -> AgentProfile | None:
    """The agent at ``/portal/<slug>/``, or None."""
    return AgentReadRepository(db.session()).by_slug(slug)


def agent_by_id(agent_id: int) -> AgentProfile | None:
    """One agent, or None."""
    return AgentReadRepository(db.session()).by_id(agent_id)


def agent_detail(agent: AgentProfile) -> AgentDetail:
    """The agent's branding, summary, wallet and log-ins."""
    session = db.session()
    return AgentDetail(
        agent=agent,
        appearance=appearance_for(agent),
        summary=financial_summary(agent),
        wallet=wallet_balance(agent),
        logins=UserReadRepository(session).for_agent(agent.id),
    )


def wallet_balance(agent: AgentProfile) -> WalletBalance:
    """The agent's wallet in its currency (zero before it exists)."""
    return WalletLedgerReadRepository(db.session()).balance(agent.id, agent.currency)


# An agent's records: the dashboard's agent tabs and the portal's lists


def agent_invoices(agent: AgentProfile, page: PageRequest, filters: InvoiceFilters | None = None) -> Page[InvoiceRow]:
    """The agent's invoices, drafts included (for staff), narrowed by ``filters`` (whatever agent they name)."""
    mine = replace(filters or InvoiceFilters(), agent_id=agent.id)
    return InvoiceReadRepository(db.session()).page(page, mine, today())


def agent_payments(agent: AgentProfile, page: PageRequest) -> Page[PaymentRow]:
    """The agent's payments, newest first."""
    return PaymentReadRepository(db.session()).page_for_agent(agent.id, page)


def agent_ledger(agent: AgentProfile, page: PageRequest, kind: LedgerKind | None = None) -> Page[LedgerEntry]:
    """The agent's wallet movements, newest first; only those of ``kind`` when given."""
    return WalletLedgerReadRepository(db.session()).page(agent.id, page, kind)


def agent_ledger_with_causes(agent: AgentProfile, page: PageRequest) -> Page[NamedLedgerEntry]:
    """The agent's wallet movements, newest first, each with what caused it named as people know it (for staff)."""
    return WalletLedgerReadRepository(db.session()).named_page(agent.id, page)


def agent_wallet_lines(agent: AgentProfile, page: PageRequest) -> Page[WalletLine]:
    """The agent's wallet as it thinks of it: a line per commission, clawback, adjustment and payout, newest first."""
    return WalletLinesReadRepository(db.session()).page(agent.id, agent.currency, page)


def agent_payouts(agent: AgentProfile, page: PageRequest) -> Page[PayoutRow]:
    """The agent's payout requests, newest first."""
    return PayoutReadRepository(db.session()).page(page, agent_id=agent.id)


def agent_statement(agent: AgentProfile, month: Month) -> Statement:
    """The agent's statement of ``month``: opening balance, commissions, clawbacks, payouts, adjustments, closing."""
    return StatementReadRepository(db.session()).statement(agent.id, agent.currency, month)


def agent_commissions(agent: AgentProfile, page: PageRequest) -> Page[CommissionRow]:
    """The agent's commissions and clawbacks, newest first."""
    return CommissionReadRepository(db.session()).page(page, agent_id=agent.id)


def agent_notifications(agent: AgentProfile, page: PageRequest) -> Page[NotificationRow]:
    """The agent's notifications, newest first."""
    return NotificationReadRepository(db.session()).page_for_agent(agent.id, page)


def agent_audit(agent: AgentProfile, page: PageRequest) -> Page[AuditEntry]:
    """Changes to the agent and to everything that belongs to it, as people read them."""
    return AuditReadRepository(db.session()).for_agent(agent.id, page)


# The dashboard


def overview(period: DateRange, currency: str | None) -> Overview:
    """The overview's KPIs over ``period``, and its daily series in ``currency``."""
    return OverviewReadRepository(db.session()).overview(period, currency)


def invoices(page: PageRequest, filters: InvoiceFilters) -> Page[InvoiceRow]:
    """Invoices matching ``filters``, newest first (overdue ones most overdue first)."""
    return InvoiceReadRepository(db.session()).page(page, filters, today())


def invoice_detail(invoice_id: int) -> InvoiceDetail | None:
    """The invoice page's invoice, payments (with commissions and clawbacks) and refunds, or None."""
    return InvoiceReadRepository(db.session()).detail(invoice_id, today())


def invoice_of_payment(payment_id: int) -> int | None:
    """The invoice a payment was made on, or None."""
    return PaymentReadRepository(db.session()).invoice_id_of(payment_id)


def commissions(page: PageRequest, status: CommissionStatus) -> Page[CommissionRow]:
    """Commissions (not clawbacks) in ``status``."""
    return CommissionReadRepository(db.session()).page(page, status=status, kind=CommissionKind.COMMISSION)


def payouts(page: PageRequest, status: PayoutStatus) -> Page[PayoutRow]:
    """Payouts in ``status``; requested ones oldest first."""
    return PayoutReadRepository(db.session()).page(page, status=status)


def payout(payout_id: int) -> PayoutRow | None:
    """One payout, or None."""
    return PayoutReadRepository(db.session()).by_id(payout_id)


def audit_events(page: PageRequest, filters: AuditFilters) -> Page[AuditRow]:
    """Audit events matching ``filters``, newest first, as stored (for downloads and the API)."""
    return AuditReadRepository(db.session()).page(page, filters)


def audit_trail(page: PageRequest, filters: AuditFilters) -> Page[AuditEntry]:
    """Audit events matching ``filters``, newest first, as people read them (the audit trail page)."""
    return AuditReadRepository(db.session()).entries(page, filters)


def audit_entity_choices() -> list[tuple[str, str]]:
    """Every kind of entity the audit trail holds, and what people call it."""
    return AuditReadRepository(db.session()).entity_choices()


def actor_names(actors: Iterable[str]) -> ActorNames:
    """Who the actor strings ``actors`` name ("Ada Admin (admin)", "System (seed)"), read in one query."""
    return ActorDirectory(db.session()).names(actors)


def staff_users(page: PageRequest) -> Page[UserRow]:
    """Staff log-ins (not agents'), by e-mail address."""
    return UserReadRepository(db.session()).staff_page(page)


def flag_views() -> list[FlagView]:
    """Every flag of the catalog with its state, its override and (rolled out by agent) who is in and out."""
    return FlagReadRepository(db.session()).views(current_app.config["FLAG_OVERRIDES"])


def api_tokens() -> list[ApiTokenRow]:
    """API tokens, newest first (never their secrets, which are not kept)."""
    return ApiTokenReadRepository(db.session()).newest()


def api_token(token_id: int) -> ApiTokenRow | None:
    return ApiTokenReadRepository(db.session()).by_id(token_id)


def user_by_id(user_id: int) -> UserRow | None:
    """One log-in, or None."""
    return UserReadRepository(db.session()).by_id(user_id)


# The agent's portal


def portal_home(agent: AgentProfile) -> PortalHome:
    """The portal home's branding, summary and latest payments."""
    session = db.session()
    return PortalHome(
        agent=agent,
        appearance=appearance_for(agent),
        summary=financial_summary(agent),
        recent_payments=PaymentReadRepository(session).recent_for_agent(agent.id),
    )


def portal_invoices(agent: AgentProfile, page: PageRequest, filters: InvoiceFilters | None = None) -> Page[InvoiceRow]:
    """The invoices the agent sees in its portal: its own, issued ones (never a draft), narrowed by ``filters``."""
    shown = replace(filters or InvoiceFilters(), agent_id=agent.id, issued_only=True)
    return InvoiceReadRepository(db.session()).page(page, shown, today())


def portal_invoice(agent: AgentProfile, invoice_id: int) -> InvoiceDetail | None:
    """The invoice, when the agent may see it: another agent's invoice, or a draft, is simply not found."""
    detail = InvoiceReadRepository(db.session()).detail(invoice_id, today())
    if detail is None or detail.invoice.agent_id != agent.id or not detail.invoice.shown_to_agents:
        return None
    return detail


def unread_notifications(agent: AgentProfile) -> int:
    """How many of the agent's notifications are unread."""
    return NotificationReadRepository(db.session()).unread_count(agent.id)


def credited_commissions_by_day(agent: AgentProfile, days: int) -> dict[date, int]:
    """Commission credited per day over the last ``days`` days."""
    return CommissionReadRepository(db.session()).credited_by_day(agent.id, days)


def appearance_for(agent: AgentProfile) -> Appearance:
    """The agent's current branding, or the house default before the first save."""
    current = PortalAppearanceReadRepository(db.session()).current(agent.id)
    return current or Appearance.default(agent.id, agent.name)


def appearance_history(agent: AgentProfile) -> list[Appearance]:
    """Every saved version of the agent's branding, newest first."""
    return PortalAppearanceReadRepository(db.session()).history(agent.id)


def logo(agent: AgentProfile, logo_id: int) -> Logo | None:
    """One of the agent's logos; another agent's is not found."""
    return PortalAppearanceReadRepository(db.session()).logo(agent.id, logo_id)


def recent_logins(user_id: int, current_token: str | None) -> list[LoginRecord]:
    """The log-in's latest sessions, the one holding ``current_token`` marked."""
    return UserReadRepository(db.session()).recent_logins(user_id, token_hash(current_token) if current_token else None)


def open_logins(user_id: int, current_token: str | None) -> list[LoginRecord]:
    """The log-in's sessions that still open something (within ``SESSION_IDLE_MINUTES`` of their last use and
    ``SESSION_ABSOLUTE_HOURS`` of their start), the one holding ``current_token`` first and marked."""
    config, now = current_app.config, utcnow()
    return UserReadRepository(db.session()).open_logins(
        user_id, token_hash(current_token) if current_token else None,
        started_after=now - timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]),
        used_after=now - timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
    )  # fmt: skip


def session_authenticated_at(token: str) -> datetime | None:
    """When the log-in session holding ``token`` last proved who its person is (log-in or re-authentication)."""
    return UserReadRepository(db.session()).authenticated_at(token_hash(token))


def two_factor_enrolled(user_id: int) -> bool:
    """Whether the person signs in with a code from an authenticator app."""
    return enrolled(db.session(), user_id)
