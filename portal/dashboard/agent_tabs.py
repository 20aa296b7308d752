"""The tabs of an agent's dashboard page, in one table: each tab's name, label, read helper and partial.

The view looks the tab up here, the navigation lists these tabs, and the query-budget test walks them all, so a
new tab is one line below and one partial in ``templates/dashboard/agent_tabs/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal import data_access
from portal.read.agents import AgentProfile
from portal.read.pages import Page, PageRequest


@dataclass(frozen=True)
class AgentTab:
    """One tab: ``name`` in the URL (``?tab=``), ``label`` in the navigation, what it reads, which partial shows it."""

    name: str
    label: str
    read: Callable[[AgentProfile, PageRequest], Page]
    partial: str


def _tab(name: str, label: str, read: Callable[[AgentProfile, PageRequest], Page]) -> AgentTab:
    return AgentTab(name, label, read, f"dashboard/agent_tabs/_{name}.html")


INVOICES = _tab("invoices", "Invoices", data_access.agent_invoices)
PAYMENTS = _tab("payments", "Payments", data_access.agent_payments)
WALLET = _tab("wallet", "Wallet", data_access.agent_wallet_lines)
LEDGER = _tab("ledger", "Wallet ledger", data_access.agent_ledger_with_causes)
PAYOUTS = _tab("payouts", "Payouts", data_access.agent_payouts)
COMMISSIONS = _tab("commissions", "Commissions", data_access.agent_commissions)
NOTIFICATIONS = _tab("notifications", "Notifications", data_access.agent_notifications)
AUDIT = _tab("audit", "Audit trail", data_access.agent_audit)

#: in the order of the navigation; the first is the one a plain link opens
AGENT_TABS = (INVOICES, PAYMENTS, WALLET, LEDGER, PAYOUTS, COMMISSIONS, NOTIFICATIONS, AUDIT)
DEFAULT_TAB = AGENT_TABS[0]
TABS_BY_NAME = {tab.name: tab for tab in AGENT_TABS}
