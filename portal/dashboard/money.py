"""Commission approval (one or many) and the payout queue."""

from __future__ import annotations

from flask import abort, flash, request, url_for

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.dashboard.forms import RejectForm
from portal.domain.errors import DomainError
from portal.domain.money import format_money
from portal.models.commission import CommissionStatus
from portal.models.wallet import PayoutDecision, PayoutStatus
from portal.services.money.commands import ApproveCommission, DecidePayout, MarkPayoutPaid
from portal.services.money.switch import refuse_money_while_paused
from portal.web.actor_names import name_actors
from portal.web.commands import confirm, run, submit_action, submit_form
from portal.web.forms import ActionForm, text
from portal.web.htmx import redirect_after_post, render_page
from portal.web.queries import choice, identifiers, page_request
from portal.web.redirects import back_on_this_site

MAX_BULK = 100
#: (status, label) of the commission list's tabs; the first opens by default
COMMISSION_TABS = ((CommissionStatus.PENDING, "Pending"), (CommissionStatus.CREDITED, "Credited"))
#: (status, label) of the payout queue's tabs; the first opens by default
PAYOUT_TABS = (
    (PayoutStatus.REQUESTED, "Waiting"), (PayoutStatus.APPROVED, "Approved"), (PayoutStatus.PAID, "Paid"),
    (PayoutStatus.REJECTED, "Rejected"), (PayoutStatus.CANCELLED, "Cancelled"),
)  # fmt: skip


@bp.route("/commissions")
def commissions():
    status = choice(request.args, "status", [shown for shown, _label in COMMISSION_TABS], COMMISSION_TABS[0][0])
    listing = data_access.commissions(page_request(request.args, 50), status)
    return render_page(
        "dashboard/commissions.html", "dashboard/_commissions_table.html",
        commissions=listing, status=status, tabs=COMMISSION_TABS,
    )  # fmt: skip


@bp.route("/commissions/<int:commission_id>/approve", methods=["POST"])
def commission_approve(commission_id: int):
    form = ActionForm()

    def done(result) -> str:
        amount = format_money(result.credited_minor, result.currency)
        confirm(result, f"Commission #{commission_id}: {amount} credited to the agent's wallet.", "Already approved.")
        return back_on_this_site(url_for("dashboard.commissions"))

    return submit_action(form, lambda: ApproveCommission(idempotency_key=form.key, commission_id=commission_id), done)


@bp.route("/commissions/approve-many", methods=["POST"])
def commissions_approve_many():
    """Approve the ticked commissions, each on its own key: a retry re-approves nothing twice."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    refuse_money_while_paused()
    chosen = identifiers(request.form.getlist("commission"), MAX_BULK)
    if not chosen:
        flash("Tick the commissions to approve first.", "info")
        return redirect_after_post(url_for("dashboard.commissions"))
    approved, skipped = 0, []
    credited: dict[str, int] = {}
    for commission_id in chosen:
        try:
            result = run(
                ApproveCommission(idempotency_key=f"bulk-{form.key}-{commission_id}", commission_id=commission_id)
            )
        except DomainError as error:
            skipped.append(f"#{commission_id}: {error.message}")
        else:
            approved += not result.replayed
            if not result.replayed:
                credited[result.currency] = credited.get(result.currency, 0) + result.credited_minor
    amounts = ", ".join(format_money(minor, currency) for currency, minor in sorted(credited.items()))
    flash(
        f"{approved} of {len(chosen)} commissions approved" + (f": {amounts} credited." if amounts else "."), "success"
    )
    for line in skipped[:5]:
        flash(line, "info")
    return redirect_after_post(url_for("dashboard.commissions"))


@bp.route("/payouts")
def payouts():
    status = choice(request.args, "status", [shown for shown, _label in PAYOUT_TABS], PAYOUT_TABS[0][0])
    listing = data_access.payouts(page_request(request.args, 50), status)
    name_actors(listing.items)
    return render_page(
        "dashboard/payouts.html", "dashboard/_payouts_table.html", payouts=listing, status=status, tabs=PAYOUT_TABS
    )


def _payout_done(result) -> str:
    amount = format_money(result.amount_minor, result.currency)
    done = "approved and debited" if result.status == PayoutStatus.APPROVED else "marked paid"
    confirm(result, f"Payout #{result.payout_id} of {amount} was {done}.", "Already done.")
    return back_on_this_site(url_for("dashboard.payouts"))


@bp.route("/payouts/<int:payout_id>/approve", methods=["POST"])
def payout_approve(payout_id: int):
    form = ActionForm()
    return submit_action(
        form,
        lambda: DecidePayout(idempotency_key=form.key, payout_id=payout_id, decision=PayoutDecision.APPROVE),
        _payout_done,
    )


@bp.route("/payouts/<int:payout_id>/paid", methods=["POST"])
def payout_paid(payout_id: int):
    form = ActionForm()
    return submit_action(form, lambda: MarkPayoutPaid(idempotency_key=form.key, payout_id=payout_id), _payout_done)


@bp.route("/payouts/<int:payout_id>/reject", methods=["GET", "POST"])
def payout_reject(payout_id: int):
    payout = data_access.payout(payout_id)
    if payout is None:
        abort(404)
    form = RejectForm()

    def done(result) -> str:
        amount = format_money(result.amount_minor, result.currency)
        confirm(result, f"Payout #{payout_id} of {amount} was rejected; the amount is available to the agent again.",
                "This payout had been rejected already.")  # fmt: skip
        return url_for("dashboard.payouts")

    return submit_form(
        form,
        lambda: DecidePayout(
            idempotency_key=form.key, payout_id=payout_id, decision=PayoutDecision.REJECT,
            reason=text(form.reason),
        ),
        done, "dashboard/confirm.html", title=f"Reject payout #{payout_id}?",
        consequence="The held amount returns to the agent's available balance and the agent is told why.",
        submit="Reject payout", cancel=url_for("dashboard.payouts"), danger=True,
    )  # fmt: skip
