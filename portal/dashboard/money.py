"""Commission approval (one or many) and the payout queue."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for

from portal import data_access
from portal.dashboard import bp
from portal.dashboard.forms import RejectForm
from portal.domain.errors import DomainError
from portal.models.wallet import PAYOUT_STATUSES
from portal.repositories.pages import PageRequest
from portal.web.commands import orchestrator
from portal.web.forms import ActionForm, show_refusal
from portal.web.htmx import redirect_after_post, render_page

MAX_BULK = 100


@bp.route("/commissions")
def commissions():
    status = request.args.get("status", "pending")
    status = status if status in ("pending", "credited") else "pending"
    listing = data_access.commissions(PageRequest.parse(request.args.get("page"), 50), status)
    return render_page(
        "dashboard/commissions.html", "dashboard/_commissions_table.html",
        commissions=listing, status=status,
    )  # fmt: skip


@bp.route("/commissions/<int:commission_id>/approve", methods=["POST"])
def commission_approve(commission_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = orchestrator().approve_commission(
            commission_id=commission_id, idempotency_key=form.idempotency_key.data
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(
            "Already approved." if result.replayed else "The commission was credited to the agent's wallet.", "success"
        )
    return redirect_after_post(request.referrer or url_for("dashboard.commissions"))


@bp.route("/commissions/approve-many", methods=["POST"])
def commissions_approve_many():
    """Approve the ticked commissions, each on its own key: a retry re-approves nothing twice."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = [int(value) for value in request.form.getlist("commission") if value.isdigit()][:MAX_BULK]
    if not chosen:
        flash("Tick the commissions to approve first.", "info")
        return redirect_after_post(url_for("dashboard.commissions"))
    commands = orchestrator()
    approved, skipped = 0, []
    for commission_id in chosen:
        try:
            result = commands.approve_commission(
                commission_id=commission_id, idempotency_key=f"bulk-{form.idempotency_key.data}-{commission_id}"
            )
        except DomainError as error:
            skipped.append(f"#{commission_id}: {error.message}")
        else:
            approved += not result.replayed
    flash(f"{approved} of {len(chosen)} commissions approved.", "success")
    for line in skipped[:5]:
        flash(line, "info")
    return redirect_after_post(url_for("dashboard.commissions"))


@bp.route("/payouts")
def payouts():
    status = request.args.get("status", "requested")
    status = status if status in PAYOUT_STATUSES else "requested"
    listing = data_access.payouts(PageRequest.parse(request.args.get("page"), 50), status)
    return render_page("dashboard/payouts.html", "dashboard/_payouts_table.html", payouts=listing, status=status)


def _decide(payout_id: int, decision: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    commands = orchestrator()
    method = commands.approve_payout if decision == "approve" else commands.mark_payout_paid
    try:
        result = method(payout_id=payout_id, idempotency_key=form.idempotency_key.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        done = "approved and debited" if decision == "approve" else "marked paid"
        flash("Already done." if result.replayed else f"Payout #{payout_id} was {done}.", "success")
    return redirect_after_post(request.referrer or url_for("dashboard.payouts"))


@bp.route("/payouts/<int:payout_id>/approve", methods=["POST"])
def payout_approve(payout_id: int):
    return _decide(payout_id, "approve")


@bp.route("/payouts/<int:payout_id>/paid", methods=["POST"])
def payout_paid(payout_id: int):
    return _decide(payout_id, "paid")


@bp.route("/payouts/<int:payout_id>/reject", methods=["GET", "POST"])
def payout_reject(payout_id: int):
    if data_access.payout(payout_id) is None:
        abort(404)
    form = RejectForm()
    status = 200
    if form.validate_on_submit():
        try:
            orchestrator().reject_payout(
                payout_id=payout_id, reason=form.reason.data, idempotency_key=form.idempotency_key.data
            )
        except DomainError as error:
            status = show_refusal(form, error, "reason")
        else:
            flash(f"Payout #{payout_id} was rejected; the amount is available to the agent again.", "success")
            return redirect_after_post(url_for("dashboard.payouts"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "dashboard/confirm.html", form=form, title=f"Reject payout #{payout_id}?",
        consequence="The held amount returns to the agent's available balance and the agent is told why.",
        submit="Reject payout", cancel=url_for("dashboard.payouts"), danger=True,
    ), status  # fmt: skip
