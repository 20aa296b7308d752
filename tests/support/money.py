"""Building blocks for money tests: agents, issued invoices and an orchestrator, via the real services."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy.orm import Session

from portal.models import Agent
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.services.agents import AgentDraft, create_agent
from portal.services.financial_orchestrator import CommandContext, FinancialOrchestrator
from portal.services.invoicing import InvoiceDraft, create_invoice, issue_invoice

STAFF = Actor.user(1)
_numbers = itertools.count(1)


class MoneyWorld:
    """Agents and invoices made through the services, and an orchestrator acting as staff."""

    def __init__(self, session: Session, correlation_id: str = "money-test-0001", **options) -> None:
        self.session = session
        self.orchestrator = FinancialOrchestrator.for_session(
            session,
            CommandContext(actor=STAFF, correlation_id=correlation_id),
            sleep=lambda _: None,
            **options,
        )

    def _unit(self, command: str, reason: str | None = None) -> UnitOfWork:
        return UnitOfWork(self.session, command=command, actor=STAFF, reason=reason)

    def agent(self, rate_bps: int = 1000, currency: str = "EUR") -> int:
        n = next(_numbers)
        return create_agent(
            self._unit("create_agent"),
            AgentDraft(f"money-{n}", f"Money Agent {n}", f"m{n}@example.com", rate_bps, currency),
        )

    def invoice(self, agent_id: int, amount_minor: int = 100_000, currency: str = "EUR", issue: bool = True) -> int:
        invoice_id = create_invoice(
            self._unit("create_invoice"),
            InvoiceDraft(agent_id, "Customer Ltd", amount_minor, currency, date(2027, 1, 31)),
        )
        if issue:
            issue_invoice(self._unit("issue_invoice"), invoice_id)
        return invoice_id

    def pay(self, invoice_id: int, amount_minor: int, key: str | None = None, currency: str = "EUR"):
        return self.orchestrator.record_payment(
            invoice_id=invoice_id, amount_minor=amount_minor, currency=currency, method="card",
            instrument="4111 1111 1111 1111", idempotency_key=key or f"pay-{next(_numbers)}",
        )  # fmt: skip

    def fund(self, agent_id: int, amount_minor: int, currency: str = "EUR") -> None:
        """Credit ``amount_minor`` to the agent's wallet through an approved commission (rate 10%)."""
        assert self.session.get(Agent, agent_id).commission_rate_bps == 1000, "fund() assumes a 10% rate"
        invoice_id = self.invoice(agent_id, amount_minor * 10, currency)
        paid = self.pay(invoice_id, amount_minor * 10, currency=currency)
        self.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key=f"fund-{next(_numbers)}")
