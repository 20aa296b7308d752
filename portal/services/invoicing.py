"""Invoices: drafted, issued to the customer, or voided; each step one unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from portal.domain import errors
from portal.models import Invoice
from portal.models.base import utcnow
from portal.persistence.unit_of_work import UnitOfWork
from portal.security.masking import mask_text

MAX_AMOUNT_MINOR = 10**13


@dataclass(frozen=True)
class InvoiceDraft:
    agent_id: int
    customer_name: str
    amount_minor: int
    currency: str
    due_date: date
    customer_email: str | None = None
    description: str = ""


def _next_number(uow: UnitOfWork, agent_id: int, slug: str) -> str:
    """``NORTHWIND-00042``: the agent's slug (unique) and its running invoice count."""
    return f"{slug.upper()}-{uow.invoices.count_for_agent(agent_id) + 1:05d}"


def create_invoice(uow: UnitOfWork, draft: InvoiceDraft) -> int:
    """Add a draft invoice for one of the agent's customers; returns its id."""
    customer = draft.customer_name.strip()
    if not customer:
        raise errors.InputNotValid("Enter the customer's name.")
    if not isinstance(draft.amount_minor, int) or not 0 < draft.amount_minor <= MAX_AMOUNT_MINOR:
        raise errors.AmountNotValid("Enter an amount greater than zero.")
    with uow:
        agent = uow.agents.get(draft.agent_id)
        if agent is None:
            raise errors.NotFound("There is no such agent.")
        if draft.currency != agent.currency:
            raise errors.CurrencyMismatch(f"{agent.name} invoices in {agent.currency}.")
        invoice = uow.invoices.add(
            Invoice(
                agent_id=agent.id,
                number=_next_number(uow, agent.id, agent.slug),
                customer_name=mask_text(customer)[:200],
                customer_email=(draft.customer_email or "").strip() or None,
                description=mask_text(draft.description.strip())[:500],
                amount_minor=draft.amount_minor,
                paid_minor=0,
                currency=draft.currency,
                due_date=draft.due_date,
                status="draft",
            )
        )
        uow.flush()
        invoice_id = invoice.id
        uow.commit()
    return invoice_id


def issue_invoice(uow: UnitOfWork, invoice_id: int, clock: Callable[[], datetime] = utcnow) -> None:
    """Send a draft to the customer: from now on it is owed and can be paid."""
    with uow:
        invoice = _get(uow, invoice_id)
        if invoice.status != "draft":
            raise errors.InvoiceStateConflict(
                f"Invoice {invoice.number} is {invoice.status.replace('_', ' ')}: only drafts can be issued."
            )
        invoice.status = "issued"
        invoice.issued_at = clock()
        uow.summaries.apply(
            invoice.agent_id,
            invoice.currency,
            invoiced_minor=invoice.amount_minor,
            outstanding_minor=invoice.amount_minor,
        )
        uow.commit()


def void_invoice(uow: UnitOfWork, invoice_id: int, clock: Callable[[], datetime] = utcnow) -> None:
    """Cancel an invoice nobody has paid; ``uow.reason`` says why."""
    if not (uow.reason or "").strip():
        raise errors.ReasonRequired("Give a reason for voiding the invoice.")
    with uow:
        invoice = _get(uow, invoice_id)
        if invoice.status not in ("draft", "issued"):
            raise errors.InvoiceStateConflict(
                f"Invoice {invoice.number} is {invoice.status.replace('_', ' ')}: "
                "refund its payments before voiding it."
            )
        was_issued = invoice.status == "issued"
        invoice.status = "void"
        invoice.voided_at = clock()
        if was_issued:
            uow.summaries.apply(
                invoice.agent_id,
                invoice.currency,
                invoiced_minor=-invoice.amount_minor,
                outstanding_minor=-invoice.amount_minor,
            )
        uow.commit()


def _get(uow: UnitOfWork, invoice_id: int) -> Invoice:
    invoice = uow.invoices.get(invoice_id)
    if invoice is None:
        raise errors.NotFound("There is no such invoice.")
    return invoice
