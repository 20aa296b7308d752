"""Invoices: drafted, edited while a draft, issued to the customer, or voided; each step one command."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from portal.commands.base import (
    PERMISSION,
    Command,
    CommandResult,
    masked_within,
    require_id,
    require_positive_amount,
    require_reason,
)
from portal.domain import errors
from portal.domain.money import format_money
from portal.domain.text import one_line, within
from portal.models import Invoice
from portal.models.base import column_length
from portal.models.billing import InvoiceStatus, InvoiceTerms, currency_refusal
from portal.persistence.protocols import UnitOfWork
from portal.services.money.repeats import check_not_a_repeat, since

# Due dates far outside any business (a typo for 2027, or 9999-12-31) are refused, not stored.
EARLIEST_DUE_DATE = date(2000, 1, 1)
LATEST_DUE_DATE = date(2199, 12, 31)
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class InvoiceChanged(CommandResult):
    invoice_id: int
    number: str
    status: str


@dataclass(frozen=True, kw_only=True)
class DraftCommand(Command[InvoiceChanged]):
    """What a draft says (customer, description, amount, currency, due date), checked alike when drafted or edited."""

    result_type = InvoiceChanged

    customer_name: str
    amount_minor: int
    currency: str
    due_date: date
    customer_email: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        limit = column_length(Invoice.customer_name)
        customer = masked_within(
            one_line(self.customer_name, limit, "The customer's name", "customer_name"),
            limit, "The customer's name", "customer_name",
        )  # fmt: skip
        require_positive_amount(self.amount_minor)
        if not isinstance(self.currency, str) or not _CURRENCY_CODE.fullmatch(self.currency):
            raise errors.InputNotValid("Enter the currency as its three-letter code, such as EUR.", "currency")
        if not isinstance(self.due_date, date) or not EARLIEST_DUE_DATE <= self.due_date <= LATEST_DUE_DATE:
            raise errors.InputNotValid(
                f"Choose a due date between {EARLIEST_DUE_DATE.year} and {LATEST_DUE_DATE.year}.", "due_date"
            )
        email = (self.customer_email or "").strip() or None
        if email is not None:
            within(email, column_length(Invoice.customer_email), "The e-mail address", "customer_email")
        description = masked_within(
            (self.description or "").strip(), column_length(Invoice.description), "The description", "description"
        )
        self._set("customer_name", customer)
        self._set("customer_email", email)
        self._set("description", description)

    @property
    def terms(self) -> InvoiceTerms:
        return InvoiceTerms(
            customer_name=self.customer_name, customer_email=self.customer_email, description=self.description,
            amount_minor=self.amount_minor, currency=self.currency, due_date=self.due_date,
        )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class CreateInvoice(DraftCommand):
    """A draft invoice for one of the agent's customers."""

    name = "create_invoice"

    agent_id: int
    #: The person confirmed that this repeats a draft for the same customer and amount minutes ago on purpose.
    confirm_repeat: bool = field(default=False, metadata=PERMISSION)

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")


@dataclass(frozen=True, kw_only=True)
class EditDraftInvoice(DraftCommand):
    """A draft says something else before it is issued; an issued invoice is never edited."""

    name = "edit_invoice"

    invoice_id: int
    #: The draft's ``version`` when the person opened it: a change made by someone else since is refused, not lost.
    seen_version: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.invoice_id, "invoice")


@dataclass(frozen=True, kw_only=True)
class IssueInvoice(Command[InvoiceChanged]):
    """Send a draft to the customer: from now on it is owed and can be paid."""

    name = "issue_invoice"
    result_type = InvoiceChanged

    invoice_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.invoice_id, "invoice")


@dataclass(frozen=True, kw_only=True)
class VoidInvoice(Command[InvoiceChanged]):
    """Cancel an invoice nobody has paid, with a reason."""

    name = "void_invoice"
    result_type = InvoiceChanged

    invoice_id: int
    reason: str

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.invoice_id, "invoice")
        self._set("reason", require_reason(self.reason))


def create_invoice(uow: UnitOfWork, command: CreateInvoice) -> InvoiceChanged:
    agent = uow.agents.require(command.agent_id)
    if command.currency != agent.currency:
        refusal = currency_refusal(command.currency, agent.currency, f"Invoices for {agent.name} are")
        raise errors.CurrencyMismatch(refusal, "currency")
    if not command.confirm_repeat:
        check_not_a_repeat(
            uow.invoices.last_alike(agent.id, command.customer_name, command.amount_minor, since(uow.now)), uow.now,
            f"A draft invoice of {format_money(command.amount_minor, command.currency)} for {command.customer_name} "
            "was created", "create another?",
        )  # fmt: skip
    invoice = uow.invoices.add(
        Invoice(
            agent_id=agent.id, number=uow.invoices.next_number(agent), customer_name=command.customer_name,
            customer_email=command.customer_email, description=command.description, amount_minor=command.amount_minor,
            paid_minor=0, currency=command.currency, due_date=command.due_date, status=InvoiceStatus.DRAFT,
        )
    )  # fmt: skip
    uow.flush()
    return _changed(invoice)


def edit_invoice(uow: UnitOfWork, command: EditDraftInvoice) -> InvoiceChanged:
    invoice = uow.invoices.require(command.invoice_id)
    invoice.revise(command.terms, command.seen_version)
    uow.flush()
    return _changed(invoice)


def issue_invoice(uow: UnitOfWork, command: IssueInvoice) -> InvoiceChanged:
    invoice = uow.invoices.require(command.invoice_id)
    invoice.issue(uow.now)
    uow.summaries.apply(
        invoice.agent_id, invoice.currency, invoiced_minor=invoice.amount_minor, outstanding_minor=invoice.amount_minor
    )
    uow.flush()
    return _changed(invoice)


def void_invoice(uow: UnitOfWork, command: VoidInvoice) -> InvoiceChanged:
    invoice = uow.invoices.require(command.invoice_id)
    if invoice.void(uow.now):
        uow.summaries.apply(
            invoice.agent_id,
            invoice.currency,
            invoiced_minor=-invoice.amount_minor,
            outstanding_minor=-invoice.amount_minor,
        )
    uow.flush()
    return _changed(invoice)


def _changed(invoice: Invoice) -> InvoiceChanged:
    return InvoiceChanged(replayed=False, invoice_id=invoice.id, number=invoice.number, status=invoice.status)
