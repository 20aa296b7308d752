"""An orchestrator on the in-memory unit of work: one agent (10 %, EUR), helpers to make invoices and pay them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.models import Agent, Invoice
from portal.services.money.orchestrator import FinancialOrchestrator
from tests.unit.fakes import FakeStore, FakeUnitOfWork

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Harness:
    def __init__(self, settings=None, stale_commits: int = 0, max_attempts: int = 10) -> None:
        self.store = FakeStore()
        self.clock_now = NOW
        self.sleeps: list[float] = []
        self.orchestrator = FinancialOrchestrator(
            lambda command, reason: FakeUnitOfWork(self.store, command, reason, settings, stale_commits),
            clock=lambda: self.clock_now,
            sleep=self.sleeps.append,
            max_attempts=max_attempts,
        )
        self.agent = Agent(
            id=next(self.store.ids), slug="a", name="A", email="a@example.com", status="active",
            commission_rate_bps=1000, currency="EUR",
        )  # fmt: skip
        self.store.rows["agent"][self.agent.id] = self.agent

    def invoice(self, amount: int = 10_000, status: str = "issued") -> Invoice:
        invoice = Invoice(
            id=next(self.store.ids), agent_id=self.agent.id, number=f"N-{len(self.store.rows['invoice'])}",
            customer_name="Customer", amount_minor=amount, paid_minor=0, currency="EUR",
            due_date=date(2027, 1, 1), status=status,
        )  # fmt: skip
        self.store.rows["invoice"][invoice.id] = invoice
        return invoice

    def pay(self, invoice: Invoice, amount: int, key: str = "pay-1"):
        return self.orchestrator.record_payment(
            invoice_id=invoice.id, amount_minor=amount, currency="EUR", method="card",
            instrument="4242424242424242", idempotency_key=key,
        )  # fmt: skip

    def credited_wallet(self, amount: int):
        invoice = self.invoice(amount * 10)
        paid = self.pay(invoice, amount * 10, key=f"fund-{invoice.id}")
        self.orchestrator.approve_commission(commission_id=paid.commission_id, idempotency_key=f"ok-{invoice.id}")
        return self.wallet()

    def wallet(self):
        return next(iter(self.store.rows["wallet"].values()))

    def summary(self):
        return self.store.summaries[self.agent.id]
