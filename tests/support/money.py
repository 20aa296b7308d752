"""Building blocks for money tests: agents, issued invoices and an orchestrator, via the real commands."""

from __future__ import annotations

import itertools
from datetime import date

from flask import current_app
from sqlalchemy.orm import Session

from portal.models import Agent
from portal.persistence.context import Actor, CommandContext
from portal.services.agents import CreateAgent
from portal.services.invoicing import CreateInvoice, IssueInvoice
from portal.services.money.orchestrator import FinancialOrchestrator
from portal.services.running import command_runner

STAFF = Actor.user(1)
_numbers = itertools.count(1)


class MoneyWorld:
    """Agents and invoices made through the commands, and an orchestrator acting as staff."""

    def __init__(self, session: Session, correlation_id: str = "money-test-0001", **options) -> None:
        self.session = session
        context = CommandContext(actor=STAFF, correlation_id=correlation_id)
        self.orchestrator = FinancialOrchestrator.for_session(session, context, sleep=lambda _: None, **options)
        self.runner = command_runner(current_app, session, context, sleep=lambda _: None)

    def agent(self, rate_bps: int = 1000, currency: str = "EUR") -> int:
        n = next(_numbers)
        return self.runner.run(
            CreateAgent(
                idempotency_key=f"money-agent-{n}", slug=f"money-{n}", agent_name=f"Money Agent {n}",
                email=f"m{n}@example.com", commission_rate_bps=rate_bps, currency=currency,
            )
        ).agent_id  # fmt: skip

    def invoice(self, agent_id: int, amount_minor: int = 100_000, currency: str = "EUR", issue: bool = True) -> int:
        n = next(_numbers)
        invoice_id = self.runner.run(
            CreateInvoice(
                idempotency_key=f"money-invoice-{n}", agent_id=agent_id, customer_name="Customer Ltd",
                amount_minor=amount_minor, currency=currency, due_date=date(2027, 1, 31), confirm_repeat=True,
            )
        ).invoice_id  # fmt: skip
        if issue:
            self.runner.run(IssueInvoice(idempotency_key=f"money-issue-{n}", invoice_id=invoice_id))
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
