"""Invoices inside a unit of work."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.models import Agent, Invoice
from portal.repositories.base import Repository

# Built once and reused: no statement or cache key to rebuild on the hot path.
_WITH_AGENT = (
    sa.select(Invoice, Agent).join(Agent, Agent.id == Invoice.agent_id).where(Invoice.id == sa.bindparam("invoice"))
)


class InvoiceRepository(Repository[Invoice]):
    """Adds and finds invoices; never commits."""

    model = Invoice
    noun = "invoice"

    def with_agent(self, invoice_id: int) -> tuple[Invoice, Agent] | None:
        """The invoice and its agent, in one query."""
        row = self.session.execute(_WITH_AGENT, {"invoice": invoice_id}).first()
        return (row.Invoice, row.Agent) if row else None

    def last_alike(self, agent_id: int, customer_name: str, amount_minor: int, since: datetime) -> datetime | None:
        """When an invoice for this customer and amount was last drafted for the agent, if since ``since``."""
        return self.session.scalar(
            sa.select(sa.func.max(Invoice.created_at)).where(
                Invoice.agent_id == agent_id, Invoice.customer_name == customer_name,
                Invoice.amount_minor == amount_minor, Invoice.created_at >= since,
            )
        )  # fmt: skip

    def next_number(self, agent: Agent) -> str:
        """``NORTHWIND-00042``: the agent's slug (unique) and its running invoice count.

        Two invoices drafted at once may compute the same number; the unique
        constraint refuses the second, and the command runner retries it.
        """
        count = self.session.scalar(sa.select(sa.func.count(Invoice.id)).where(Invoice.agent_id == agent.id)) or 0
        return f"{agent.slug.upper()}-{count + 1:05d}"
