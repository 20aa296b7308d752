"""Invoices: the list, drafting, issuing, voiding, and recording and refunding payments."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for

from portal import data_access
from portal.dashboard import bp
from portal.dashboard.forms import InvoiceForm, PaymentForm, ReasonForm, RefundForm
from portal.domain.errors import DomainError
from portal.repositories.invoices import InvoiceFilters
from portal.repositories.pages import PageRequest
from portal.services.invoicing import InvoiceDraft, create_invoice, issue_invoice, void_invoice
from portal.web.commands import orchestrator, unit
from portal.web.forms import amount_from, show_refusal
from portal.web.htmx import redirect_after_post, render_page


def _invoice_or_404(invoice_id: int):
    detail = data_access.invoice_detail(invoice_id)
    if detail is None:
        abort(404)
    return detail


@bp.route("/invoices")
def invoices():
    filters = InvoiceFilters.parse(request.args)
    listing = data_access.invoices(PageRequest.parse(request.args.get("page")), filters)
    return render_page("dashboard/invoices.html", "dashboard/_invoices_table.html", invoices=listing, filters=filters)


@bp.route("/invoices/new", methods=["GET", "POST"])
def invoice_new():
    form = InvoiceForm(agent=request.args.get("agent", "")) if request.method == "GET" else InvoiceForm()
    status = 200
    if form.validate_on_submit():
        agent = data_access.agent_by_slug(form.agent.data.strip().lower())
        if agent is None:
            form.agent.errors = ["There is no agent with that slug."]
            status = 422
        elif (amount := amount_from(form, "amount", agent.currency)) is None:
            status = 422
        else:
            draft = InvoiceDraft(
                agent.id, form.customer_name.data, amount, agent.currency, form.due_date.data,
                customer_email=form.customer_email.data, description=form.description.data or "",
            )  # fmt: skip
            try:
                invoice_id = create_invoice(unit("create_invoice"), draft)
            except DomainError as error:
                status = show_refusal(form, error)
            else:
                flash("The draft invoice was created. Issue it when it is ready to send.", "success")
                return redirect_after_post(url_for("dashboard.invoice_detail", invoice_id=invoice_id))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/invoice_form.html", form=form), status


@bp.route("/invoices/<int:invoice_id>")
def invoice_detail(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    return render_template(
        "dashboard/invoice.html", detail=detail, payment_form=PaymentForm(formdata=None), action_form=ReasonForm()
    )


@bp.route("/invoices/<int:invoice_id>/issue", methods=["POST"])
def invoice_issue(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    try:
        issue_invoice(unit("issue_invoice"), invoice_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"Invoice {detail.invoice.number} was issued.", "success")
    return redirect_after_post(url_for("dashboard.invoice_detail", invoice_id=invoice_id))


@bp.route("/invoices/<int:invoice_id>/void", methods=["GET", "POST"])
def invoice_void(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    form = ReasonForm()
    status = 200
    if form.validate_on_submit():
        try:
            void_invoice(unit("void_invoice", form.reason.data), invoice_id)
        except DomainError as error:
            status = show_refusal(form, error)
        else:
            flash(f"Invoice {detail.invoice.number} was voided.", "success")
            return redirect_after_post(url_for("dashboard.invoice_detail", invoice_id=invoice_id))
    elif request.method == "POST":
        status = 422
    return render_template(
        "dashboard/confirm.html", form=form, title=f"Void invoice {detail.invoice.number}?",
        consequence="A void invoice can no longer be paid and leaves the agent's invoiced and outstanding totals. "
        "This cannot be undone.",
        submit="Void invoice", cancel=url_for("dashboard.invoice_detail", invoice_id=invoice_id), danger=True,
    ), status  # fmt: skip


@bp.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
def payment_record(invoice_id: int):
    detail = _invoice_or_404(invoice_id)
    form = PaymentForm()
    status = 422
    if form.validate_on_submit() and (amount := amount_from(form, "amount", detail.invoice.currency)) is not None:
        try:
            result = orchestrator().record_payment(
                invoice_id=invoice_id, amount_minor=amount, currency=detail.invoice.currency,
                method=form.method.data, instrument=form.instrument.data, external_reference=form.reference.data,
                idempotency_key=form.idempotency_key.data,
            )  # fmt: skip
        except DomainError as error:
            status = show_refusal(form, error, "amount")
        else:
            flash(
                "This payment was already recorded." if result.replayed else "The payment was recorded.",
                "info" if result.replayed else "success",
            )
            return redirect_after_post(url_for("dashboard.invoice_detail", invoice_id=invoice_id))
    return render_template("dashboard/invoice.html", detail=detail, payment_form=form, action_form=ReasonForm()), status


@bp.route("/payments/<int:payment_id>/refund", methods=["GET", "POST"])
def payment_refund(payment_id: int):
    invoice_id = data_access.invoice_of_payment(payment_id)
    if invoice_id is None:
        abort(404)
    detail = _invoice_or_404(invoice_id)
    payment = next(p for p in detail.payments if p.id == payment_id)
    form = RefundForm()
    status = 200
    if form.validate_on_submit() and (amount := amount_from(form, "amount", payment.currency)) is not None:
        try:
            result = orchestrator().refund_payment(
                payment_id=payment_id, amount_minor=amount, currency=payment.currency, reason=form.reason.data,
                idempotency_key=form.idempotency_key.data,
            )  # fmt: skip
        except DomainError as error:
            status = show_refusal(form, error, "amount")
        else:
            flash("This refund was already made." if result.replayed else "The refund was recorded.", "success")
            return redirect_after_post(url_for("dashboard.invoice_detail", invoice_id=invoice_id))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/refund_form.html", form=form, detail=detail, payment=payment), status
