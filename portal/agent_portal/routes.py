"""Agent portal pages: home, invoices, payments, wallet, payouts, notifications, appearance, profile."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, flash, g, render_template, request, url_for
from flask_login import current_user

from portal import data_access
from portal.agent_portal import bp
from portal.agent_portal.forms import AppearanceForm, PasswordChangeForm, PayoutRequestForm
from portal.domain.errors import DomainError
from portal.models.wallet import LEDGER_KINDS
from portal.repositories.appearance import Appearance
from portal.repositories.invoices import InvoiceFilters
from portal.repositories.pages import PageRequest
from portal.services.appearance import AppearanceDraft, check_appearance, revert_appearance, save_appearance
from portal.services.authentication import change_password
from portal.services.logos import clean_logo
from portal.services.notifications import mark_read
from portal.web.branding import theme_stylesheet
from portal.web.charts import bar_chart
from portal.web.commands import orchestrator, unit
from portal.web.forms import ActionForm, amount_from, show_refusal
from portal.web.htmx import redirect_after_post, render_page, wants_fragment

CHART_DAYS = 90


def _page() -> PageRequest:
    return PageRequest.parse(request.args.get("page"))


@bp.route("/")
def home():
    agent = g.agent
    today = data_access.today()
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    chart = bar_chart(
        "Commission credited per day", days, data_access.credited_commissions_by_day(agent, CHART_DAYS), agent.currency
    )
    activity = data_access.ledger_entries(agent.id, PageRequest(1, 5))
    return render_template("portal/home.html", home=data_access.portal_home(agent), chart=chart, activity=activity)


@bp.route("/theme.css")
def theme():
    """The portal's colours as CSS custom properties; ``?primary=&accent=`` previews unsaved ones."""
    current = data_access.appearance_for(g.agent)
    if "primary" in request.args or "accent" in request.args:
        current = Appearance(
            current.agent_id, current.version, current.display_name, current.welcome_text,
            request.args.get("primary", current.primary_color), request.args.get("accent", current.accent_color),
            current.logo_id, current.created_at,
        )  # fmt: skip
    response = Response(theme_stylesheet(current), mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/logo/<int:logo_id>")
def logo(logo_id: int):
    found = data_access.logo(g.agent, logo_id)
    if found is None:
        abort(404)
    media_type, data, digest = found
    response = Response(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    response.headers["Content-Disposition"] = "inline"
    response.set_etag(digest)
    return response.make_conditional(request)


@bp.route("/invoices")
def invoices():
    filters = InvoiceFilters.parse(request.args)
    filters = InvoiceFilters(status=filters.status, agent_id=g.agent.id, search=filters.search)
    listing = data_access.invoices(_page(), filters)
    return render_page("portal/invoices.html", "portal/_invoices_table.html", invoices=listing, filters=filters)


@bp.route("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    detail = data_access.portal_invoice(g.agent, invoice_id)
    if detail is None:
        abort(404)
    return render_template("portal/invoice.html", detail=detail)


@bp.route("/payments")
def payments():
    listing = data_access.agent_tab(g.agent, "payments", _page())
    return render_page("portal/payments.html", "portal/_payments_table.html", payments=listing)


@bp.route("/wallet")
def wallet():
    kind = request.args.get("kind", "")
    kind = kind if kind in LEDGER_KINDS else ""
    entries = data_access.ledger_entries(g.agent.id, _page(), kind)
    detail = data_access.agent_detail(g.agent)
    return render_page(
        "portal/wallet.html", "portal/_ledger_table.html", entries=entries, kind=kind, kinds=LEDGER_KINDS,
        wallet=detail.wallet,
    )  # fmt: skip


@bp.route("/payouts", methods=["GET", "POST"])
def payouts():
    agent = g.agent
    form = PayoutRequestForm()
    status = 200
    if form.validate_on_submit() and (amount := amount_from(form, "amount", agent.currency)) is not None:
        try:
            result = orchestrator().request_payout(
                agent_id=agent.id,
                amount_minor=amount,
                currency=agent.currency,
                idempotency_key=form.idempotency_key.data,
            )
        except DomainError as error:
            status = show_refusal(form, error, "amount")
        else:
            flash(
                "This request was already sent."
                if result.replayed
                else "Your payout request was sent. The amount is held until it is approved.",
                "success",
            )
            return redirect_after_post(url_for("agent_portal.payouts"))
    elif request.method == "POST":
        status = 422
    listing = data_access.agent_tab(agent, "payouts", _page())
    wallet = data_access.agent_detail(agent).wallet
    return render_template("portal/payouts.html", form=form, payouts=listing, wallet=wallet), status


@bp.route("/payouts/<int:payout_id>/cancel", methods=["POST"])
def payout_cancel(payout_id: int):
    payout = data_access.payout(payout_id)
    if payout is None or payout.agent_id != g.agent.id:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        orchestrator().cancel_payout(payout_id=payout_id, idempotency_key=form.idempotency_key.data)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("The payout request was cancelled; the amount is available again.", "success")
    return redirect_after_post(url_for("agent_portal.payouts"))


@bp.route("/notifications")
def notifications():
    listing = data_access.agent_notifications(g.agent.id, _page())
    return render_page("portal/notifications.html", "portal/_notifications_list.html", notifications=listing)


@bp.route("/notifications/badge")
def notifications_badge():
    """The unread count alone, for the badge that polls."""
    return render_template("portal/_badge.html")


@bp.route("/notifications/read", methods=["POST"])
def notifications_read():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    chosen = request.form.get("notification", "")
    try:
        mark_read(unit("mark_notifications_read"), g.agent.id, int(chosen) if chosen.isdigit() else None)
    except DomainError as error:
        abort(error.http_status)
    return redirect_after_post(url_for("agent_portal.notifications"))


def _colour_warnings(primary: str | None, accent: str | None) -> tuple[str, ...]:
    try:
        return check_appearance(AppearanceDraft("x", "", primary or "", accent or "")).warnings
    except DomainError:
        return ()


@bp.route("/appearance", methods=["GET", "POST"])
def appearance():
    agent = g.agent
    current = data_access.appearance_for(agent)
    if request.method == "GET":
        form = AppearanceForm(
            data={"display_name": current.display_name, "welcome_text": current.welcome_text,
                  "primary_color": current.primary_color, "accent_color": current.accent_color}
        )  # fmt: skip
    else:
        form = AppearanceForm()
    status = 200
    if form.validate_on_submit():
        draft = AppearanceDraft(form.display_name.data, form.welcome_text.data or "", form.primary_color.data,
                                form.accent_color.data)  # fmt: skip
        upload = form.logo.data
        try:
            logo = clean_logo(upload.read()) if upload and upload.filename else None
        except DomainError as error:
            status = show_refusal(form, error, "logo")
        else:
            try:
                version = save_appearance(unit("save_appearance"), agent.id, draft, logo)
            except DomainError as error:
                status = show_refusal(form, error)
            else:
                flash(f"Your portal's appearance was saved (version {version}).", "success")
                return redirect_after_post(url_for("agent_portal.appearance"))
    elif request.method == "POST":
        status = 422
    warnings = _colour_warnings(form.primary_color.data, form.accent_color.data)
    return render_template(
        "portal/appearance.html", form=form, current=current, history=data_access.appearance_history(agent),
        warnings=warnings,
    ), status  # fmt: skip


@bp.route("/appearance/preview")
def appearance_preview():
    """What the portal would look like with the colours being typed: a stylesheet link and a sample."""
    args = request.args
    try:
        checked = check_appearance(
            AppearanceDraft(args.get("display_name", "") or "Your portal", args.get("welcome_text", ""),
                            args.get("primary_color", ""), args.get("accent_color", ""))
        )  # fmt: skip
    except DomainError as error:
        return render_template("portal/_preview.html", error=error.message, checked=None)
    template = "portal/_preview.html" if wants_fragment() else "portal/preview.html"
    return render_template(template, error=None, checked=checked)


@bp.route("/appearance/<int:version>/revert", methods=["POST"])
def appearance_revert(version: int):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        new_version = revert_appearance(unit("revert_appearance"), g.agent.id, version)
    except DomainError as error:
        abort(error.http_status)
    flash(f"Version {version} is back, saved as version {new_version}.", "success")
    return redirect_after_post(url_for("agent_portal.appearance"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        try:
            change_password(
                unit("change_password"), current_user.id, form.current.data, form.new.data, current_user.session_token
            )
        except DomainError as error:
            status = show_refusal(form, error, "current" if "current" in error.message else "new")
        else:
            flash("Your password was changed; every other log-in was ended.", "success")
            return redirect_after_post(url_for("agent_portal.profile"))
    elif request.method == "POST":
        status = 422
    logins = data_access.recent_logins(current_user.id, current_user.session_token)
    return render_template("portal/profile.html", form=form, logins=logins), status
