"""Invoices, the payments recorded on them, refunds, and the commissions payments earn."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from portal.api.schemas.common import (
    FILTER,
    ONE_LINE,
    TEXT,
    Day,
    Email,
    Money,
    MoneyIn,
    PageOf,
    PageQuery,
    QueryId,
    Reason,
    RowId,
    Strict,
)
from portal.read.commissions import CommissionRow
from portal.read.invoices import InvoiceDetail, InvoicePayment, InvoiceRow, RefundRow

InvoiceStatus = Literal["draft", "issued", "partially_paid", "paid", "void"]
PaymentMethod = Literal["card", "bank_transfer", "cash", "other"]


class Invoice(BaseModel):
    id: int
    number: str
    agent_id: int
    agent_name: str
    customer_name: str
    amount: Money
    paid: Money
    due_date: date
    status: InvoiceStatus
    issued_at: datetime | None

    @classmethod
    def of(cls, row: InvoiceRow) -> Invoice:
        return cls.model_validate({
            "id": row.id, "number": row.number, "agent_id": row.agent_id, "agent_name": row.agent_name,
            "customer_name": row.customer_name, "amount": Money.of(row.amount_minor, row.currency),
            "paid": Money.of(row.paid_minor, row.currency), "due_date": row.due_date, "status": row.status,
            "issued_at": row.issued_at,
        })  # fmt: skip


class InvoicePage(PageOf[Invoice]):
    pass


class Payment(BaseModel):
    id: int
    amount: Money
    refunded: Money
    method: str
    external_reference: str | None
    status: str
    received_at: datetime
    commission: Money | None
    commission_status: str | None

    @classmethod
    def of(cls, row: InvoicePayment) -> Payment:
        return cls(
            id=row.id, amount=Money.of(row.amount_minor, row.currency),
            refunded=Money.of(row.refunded_minor, row.currency), method=row.method,
            external_reference=row.external_reference, status=row.status, received_at=row.received_at,
            commission=None if row.commission_minor is None else Money.of(row.commission_minor, row.currency),
            commission_status=row.commission_status,
        )  # fmt: skip


class Refund(BaseModel):
    id: int
    payment_id: int
    amount: Money
    reason: str
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, row: RefundRow) -> Refund:
        return cls(id=row.id, payment_id=row.payment_id, amount=Money.of(row.amount_minor, row.currency),
                   reason=row.reason, created_at=row.created_at, created_by=row.created_by)  # fmt: skip


class InvoiceWithPayments(Invoice):
    customer_email: str | None
    description: str
    voided_at: datetime | None
    payments: list[Payment]
    refunds: list[Refund]

    @classmethod
    def of_detail(cls, detail: InvoiceDetail) -> InvoiceWithPayments:
        return cls(
            **Invoice.of(detail.invoice).model_dump(), customer_email=detail.customer_email,
            description=detail.description, voided_at=detail.voided_at,
            payments=[Payment.of(payment) for payment in detail.payments],
            refunds=[Refund.of(refund) for refund in detail.refunds],
        )  # fmt: skip


class InvoiceQuery(PageQuery):
    status: InvoiceStatus | None = None
    agent_id: QueryId | None = None
    search: Annotated[str, StringConstraints(max_length=100, pattern=FILTER)] = ""


class NewInvoice(Strict):
    agent_id: RowId
    customer_name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=ONE_LINE)]
    customer_email: Email | None = None
    amount: MoneyIn
    due_date: Day
    description: Annotated[str, StringConstraints(max_length=2000, pattern=TEXT)] | None = None
    confirm_repeat: bool = Field(False, description="true: this repeats a draft made minutes ago, on purpose")


class VoidInvoice(Strict):
    reason: Reason


class NewPayment(Strict):
    amount: MoneyIn
    method: PaymentMethod
    instrument_last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None
    external_reference: Annotated[str, StringConstraints(max_length=120, pattern=ONE_LINE)] | None = None
    confirm_repeat: bool = Field(False, description="true: this repeats a payment recorded minutes ago, on purpose")


class NewRefund(Strict):
    amount: MoneyIn
    reason: Reason
    confirm_repeat: bool = False


class Commission(BaseModel):
    id: int
    agent_id: int
    agent_name: str
    payment_id: int
    invoice_id: int
    invoice_number: str
    kind: Literal["commission", "clawback"]
    rate_bps: int
    base: Money
    amount: Money
    status: Literal["pending", "approved", "credited"]
    created_at: datetime
    credited_at: datetime | None

    @classmethod
    def of(cls, row: CommissionRow) -> Commission:
        return cls.model_validate({
            "id": row.id, "agent_id": row.agent_id, "agent_name": row.agent_name, "payment_id": row.payment_id,
            "invoice_id": row.invoice_id, "invoice_number": row.invoice_number, "kind": row.kind,
            "rate_bps": row.rate_bps, "base": Money.of(row.base_amount_minor, row.currency),
            "amount": Money.of(row.amount_minor, row.currency), "status": row.status, "created_at": row.created_at,
            "credited_at": row.credited_at,
        })  # fmt: skip


class CommissionPage(PageOf[Commission]):
    pass


class CommissionQuery(PageQuery):
    status: Literal["pending", "approved", "credited"] | None = None
    agent_id: QueryId | None = None


class ApproveMany(Strict):
    commission_ids: Annotated[list[RowId], Field(min_length=1, max_length=100)]


class Approval(BaseModel):
    commission_id: int
    outcome: Literal["approved", "already_approved", "refused"]
    credited: Money | None = None
    detail: str | None = None


class ApprovalReport(BaseModel):
    """One line per commission asked for; a retry with the same key approves nothing twice."""

    approved: int
    results: list[Approval]
