"""``/invoices``: list and read, create a draft, issue, void; record a payment; refund a payment."""

from flask import abort, url_for

from portal import data_access
from portal.api.blueprint import bp
from portal.api.idempotency import IdempotencyHeaders, answer, command_key, idempotent
from portal.api.openapi import CHANGES, CHECKED, LISTED, operation
from portal.api.pages import listing, page_request
from portal.api.principal import allow, principal, visible_agent
from portal.api.problems import problem
from portal.api.running import run
from portal.api.schemas.billing import (
    Invoice,
    InvoicePage,
    InvoiceQuery,
    InvoiceWithPayments,
    NewInvoice,
    NewPayment,
    NewRefund,
    Payment,
    Refund,
    VoidInvoice,
)  # fmt: skip
from portal.models.api_token import ApiScope
from portal.read.invoices import InvoiceDetail, InvoiceFilters
from portal.services.invoicing import CreateInvoice, IssueInvoice
from portal.services.invoicing import VoidInvoice as VoidInvoiceCommand
from portal.services.money.commands import RecordPayment, RefundPayment


def visible_invoice(invoice_id: int) -> InvoiceDetail:
    """The invoice, when the token may see it (an agent's token: its own, issued); anything else is 404."""
    caller = principal()
    detail = data_access.invoice_detail(invoice_id)
    if detail is None or (caller.is_agent and not _shown_to(caller.agent_id, detail)):
        abort(problem(404, "There is no such invoice."))
    return detail


def _shown_to(agent_id: int | None, detail: InvoiceDetail) -> bool:
    """Whether the agent sees the invoice: its own, once issued."""
    return detail.invoice.agent_id == agent_id and detail.invoice.shown_to_agents


@bp.get("/invoices")
@operation("invoices", {"HTTP_200": InvoicePage}, LISTED, query=InvoiceQuery)
@allow(ApiScope.READ, agents=True)
def list_invoices(query: InvoiceQuery):
    """Invoices, newest first, by status, agent or text (an agent's token: its own issued ones only)."""
    caller = principal()
    agent_id = caller.agent_id if caller.is_agent else query.agent_id
    filters = InvoiceFilters(
        status=query.status or "", agent_id=agent_id, search=query.search.strip(), issued_only=caller.is_agent
    )
    return listing(data_access.invoices(page_request(query), filters), Invoice.of)


@bp.get("/invoices/<int:invoice_id>")
@operation("invoices", {"HTTP_200": InvoiceWithPayments}, CHECKED)
@allow(ApiScope.READ, agents=True)
def get_invoice(invoice_id: int):
    """One invoice with its payments and refunds."""
    return answer(InvoiceWithPayments.of_detail(visible_invoice(invoice_id)))


@bp.post("/invoices")
@operation("invoices", {"HTTP_201": InvoiceWithPayments}, CHANGES, json=NewInvoice, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "invoices.manage")
@idempotent
def create_invoice(json: NewInvoice):
    """A draft invoice for one of the agent's customers (issue it to make it payable)."""
    agent = visible_agent(json.agent_id)
    result = run(CreateInvoice(
        idempotency_key=command_key(), agent_id=agent.id, customer_name=json.customer_name,
        customer_email=json.customer_email, amount_minor=json.amount.amount_minor, currency=json.amount.currency,
        due_date=json.due_date, description=json.description or "", confirm_repeat=json.confirm_repeat,
    ))  # fmt: skip
    return _invoice_answer(result.invoice_id, result.replayed, created=True)


@bp.post("/invoices/<int:invoice_id>/issue")
@operation("invoices", {"HTTP_200": InvoiceWithPayments}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "invoices.manage")
@idempotent
def issue_invoice(invoice_id: int):
    """Issue a draft: it becomes payable and counts as invoiced."""
    visible_invoice(invoice_id)
    result = run(IssueInvoice(idempotency_key=command_key(), invoice_id=invoice_id))
    return _invoice_answer(result.invoice_id, result.replayed)


@bp.post("/invoices/<int:invoice_id>/void")
@operation("invoices", {"HTTP_200": InvoiceWithPayments}, CHANGES, json=VoidInvoice, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "invoices.manage")
@idempotent
def void_invoice(invoice_id: int, json: VoidInvoice):
    """Void an invoice nothing was paid on, with a reason."""
    visible_invoice(invoice_id)
    result = run(VoidInvoiceCommand(idempotency_key=command_key(), invoice_id=invoice_id, reason=json.reason))
    return _invoice_answer(result.invoice_id, result.replayed)


@bp.post("/invoices/<int:invoice_id>/payments")
@operation("invoices", {"HTTP_201": Payment}, CHANGES, json=NewPayment, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "payments.record")
@idempotent
def record_payment(invoice_id: int, json: NewPayment):
    """Money received against an issued invoice; the agent's commission on it becomes pending."""
    visible_invoice(invoice_id)
    result = run(RecordPayment(
        idempotency_key=command_key(), invoice_id=invoice_id, amount_minor=json.amount.amount_minor,
        currency=json.amount.currency, method=json.method, instrument_last4=json.instrument_last4,
        external_reference=json.external_reference, confirm_repeat=json.confirm_repeat,
    ))  # fmt: skip
    payment = next(item for item in visible_invoice(invoice_id).payments if item.id == result.payment_id)
    location = url_for("api.get_invoice", invoice_id=invoice_id)
    return answer(Payment.of(payment), 201, location=location, replayed=result.replayed)


@bp.post("/payments/<int:payment_id>/refunds")
@operation("invoices", {"HTTP_201": Refund}, CHANGES, json=NewRefund, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "payments.refund")
@idempotent
def refund_payment(payment_id: int, json: NewRefund):
    """Give back part or all of a payment, with a reason; commission already earned on it is clawed back."""
    invoice_id = data_access.invoice_of_payment(payment_id)
    if invoice_id is None:
        abort(problem(404, "There is no such payment."))
    result = run(RefundPayment(
        idempotency_key=command_key(), payment_id=payment_id, amount_minor=json.amount.amount_minor,
        currency=json.amount.currency, reason=json.reason, confirm_repeat=json.confirm_repeat,
    ))  # fmt: skip
    refund = next(item for item in visible_invoice(invoice_id).refunds if item.id == result.refund_id)
    location = url_for("api.get_invoice", invoice_id=invoice_id)
    return answer(Refund.of(refund), 201, location=location, replayed=result.replayed)


def _invoice_answer(invoice_id: int, replayed: bool, created: bool = False):
    detail = InvoiceWithPayments.of_detail(visible_invoice(invoice_id))
    location = url_for("api.get_invoice", invoice_id=invoice_id) if created else None
    return answer(detail, 201 if created else 200, location=location, replayed=replayed)
