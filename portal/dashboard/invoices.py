"""Invoices: the list, drafting and editing drafts, issuing, voiding, and recording and refunding payments."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.dashboard.forms import DraftEditForm, DraftForm, InvoiceForm, PaymentForm, ReasonForm, RefundForm
from portal.domain import errors
from portal.domain.money import format_amount, format_money
from portal.models.billing import InvoiceStatus
from portal.read.invoices import INVOICE_LIST_FILTERS, InvoiceDetail
from portal.security.masking import last4
from portal.services.invoicing import CreateInvoice, EditDraftInvoice, IssueInvoice, VoidInvoice
from portal.services.money.commands import RecordPayment, RefundPayment
from portal.web.actor_names import name_actors
from portal.web.commands import confirm, submit_action, submit_form
from portal.web.forms import ActionForm, amount_from, text
from portal.web.htmx import render_page
from portal.web.queries import identifier, invoice_filters, page_request


def _invoice_or_404(invoice_id: int) -> InvoiceDetail:
    detail = data_access.invoice_detail(invoice_id)
    if detail is None:
        abort(404)
    return detail


def _invoice_page(invoice_id: int) -> str:
    return url_for("dashboard.invoice_detail", invoice_id=invoice_id)


@bp.route("/invoices")
def invoices():
    filters = invoice_filters(request.args)
    listing = data_access.invoices(page_request(request.args), filters)
    return render_page(
        "dashboard/invoices.html", "dashboard/_invoices_table.html", invoices=listing, filters=filters,
        statuses=INVOICE_LIST_FILTERS,
    )  # fmt: skip


@bp.route("/invoices/new", methods=["GET", "POST"])
def invoice_new():
    form = InvoiceForm(agent=request.args.get("agent", "")) if request.method == "GET" else InvoiceForm()

    def command() -> CreateInvoice:
        agent = data_access.agent_by_slug(form.agent.data.strip().lower())
        if agent is None:
            raise errors.NotFound("There is no agent with that slug.", "agent")
        return CreateInvoice(
            idempotency_key=form.key, agent_id=agent.id, **_draft_terms(form, agent.currency),
            confirm_repeat=form.confirm_repeat.data,
        )  # fmt: skip

    def done(result) -> str:
        confirm(result, f"Draft invoice {result.number} was created. Issue it when it is ready to send.",
                f"Draft invoice {result.number} had been created already.")  # fmt: skip
        return _invoice_page(result.invoice_id)

    return submit_form(form, command, done, "dashboard/invoice_form.html")


def _draft_terms(form: DraftForm, currency: str) -> dict:
    """What the draft form says, the amount read in ``currency`` (the agent's); no currency typed is that one."""
    return {
        "customer_name": text(form.customer_name), "customer_email": text(form.customer_email),
        "description": form.description.data or "", "amount_minor": amount_from(form, "amount", currency),
        "currency": text(form.currency).strip().upper() or currency, "due_date": form.due_date.data,
    }  # fmt: skip


def _as_typed(detail: InvoiceDetail) -> dict:
    """The draft as its edit form shows it."""
    invoice = detail.invoice
    return {
        "customer_name": invoice.customer_name, "customer_email": detail.customer_email or "",
        "description": detail.description, "amount": format_amount(invoice.amount_minor, invoice.currency),
        "currency": invoice.currency, "due_date": invoice.due_date, "version": str(detail.version),
    }  # fmt: skip


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
def invoice_edit(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    invoice = detail.invoice
    if request.method == "GET":
        InvoiceStatus(invoice.status).check_editable(invoice.number)
    form = DraftEditForm(data=_as_typed(detail)) if request.method == "GET" else DraftEditForm()

    def done(result) -> str:
        confirm(
            result, f"Draft invoice {result.number} was saved.", f"These changes to {result.number} were saved already."
        )
        return _invoice_page(invoice_id)

    return submit_form(
        form,
        lambda: EditDraftInvoice(
            idempotency_key=form.key, invoice_id=invoice_id, **_draft_terms(form, invoice.currency),
            seen_version=identifier(form.version.data),
        ),
        done, "dashboard/invoice_form.html", detail=detail,
    )  # fmt: skip


@bp.route("/invoices/<int:invoice_id>")
def invoice_detail(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    name_actors(detail.refunds)
    return render_template("dashboard/invoice.html", detail=detail, form=PaymentForm(formdata=None))


@bp.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
def invoice_issue(invoice_id: int):
    _invoice_or_404(invoice_id)
    form = ActionForm()

    def done(result) -> str:
        confirm(result, f"Invoice {result.number} was issued.", f"Invoice {result.number} had been issued already.")
        return _invoice_page(invoice_id)

    return submit_action(form, lambda: IssueInvoice(idempotency_key=form.key, invoice_id=invoice_id), done)


@bp.route("/invoices/<int:invoice_id>/void", methods=["GET", "POST"])
def invoice_void(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    form = ReasonForm()

    def done(result) -> str:
        confirm(result, f"Invoice {result.number} was voided.", f"Invoice {result.number} had been voided already.")
        return _invoice_page(invoice_id)

    return submit_form(
        form,
        lambda: VoidInvoice(idempotency_key=form.key, invoice_id=invoice_id, reason=text(form.reason)),
        done, "dashboard/confirm.html", title=f"Void invoice {detail.invoice.number}?",
        consequence="A void invoice can no longer be paid and leaves the agent's invoiced and outstanding totals. "
        "This cannot be undone.",
        submit="Void invoice", cancel=_invoice_page(invoice_id), danger=True,
    )  # fmt: skip


@bp.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
def payment_record(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    name_actors(detail.refunds)
    form = PaymentForm()
    currency = detail.invoice.currency

    def done(result) -> str:
        amount = format_money(result.amount_minor, result.currency)
        confirm(result, f"Payment of {amount} recorded on {result.invoice_number}.",
                f"This payment of {amount} on {result.invoice_number} was already recorded.")  # fmt: skip
        return _invoice_page(invoice_id)

    return submit_form(
        form,
        lambda: RecordPayment(
            idempotency_key=form.key, invoice_id=invoice_id,
            amount_minor=amount_from(form, "amount", currency), currency=currency, method=form.method.data,
            instrument_last4=last4(text(form.instrument)), external_reference=text(form.reference),
            confirm_repeat=form.confirm_repeat.data,
        ),
        done, "dashboard/invoice.html", detail=detail,
    )  # fmt: skip


@bp.route("/payments/<int:payment_id>/refund", methods=["GET", "POST"])
def payment_refund(payment_id: int):
    invoice_id = data_access.invoice_of_payment(payment_id)
    if invoice_id is None:
        abort(404)
    detail = _invoice_or_404(invoice_id)
    payment = next(p for p in detail.payments if p.id == payment_id)
    form = RefundForm()

    def done(result) -> str:
        amount = format_money(result.amount_minor, result.currency)
        confirm(result, f"Refund of {amount} recorded on {result.invoice_number}.",
                f"This refund of {amount} was already made.")  # fmt: skip
        return _invoice_page(invoice_id)

    return submit_form(
        form,
        lambda: RefundPayment(
            idempotency_key=form.key, payment_id=payment_id,
            amount_minor=amount_from(form, "amount", payment.currency), currency=payment.currency,
            reason=text(form.reason), confirm_repeat=form.confirm_repeat.data,
        ),
        done, "dashboard/refund_form.html", detail=detail, payment=payment,
    )  # fmt: skip
