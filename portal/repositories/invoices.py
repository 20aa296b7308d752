"""Invoices inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, Invoice


class InvoiceRepository:
    """Adds and finds invoices; never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, invoice: Invoice) -> Invoice:
        self.session.add(invoice)
        return invoice

    def get(self, invoice_id: int) -> Invoice | None:
        return self.session.get(Invoice, invoice_id)

    def with_agent(self, invoice_id: int) -> tuple[Invoice, Agent] | None:
        """The invoice and its agent, in one query."""
        row = self.session.execute(
            sa.select(Invoice, Agent).join(Agent, Agent.id == Invoice.agent_id).where(Invoice.id == invoice_id)
        ).first()
        return (row.Invoice, row.Agent) if row else None

    def by_number(self, number: str) -> Invoice | None:
        return self.session.scalar(sa.select(Invoice).where(Invoice.number == number))

    def count_for_agent(self, agent_id: int) -> int:
        return self.session.scalar(sa.select(sa.func.count(Invoice.id)).where(Invoice.agent_id == agent_id)) or 0
