"""Agent portal pages: home, invoices, payments, wallet, payouts, notifications, appearance, profile."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import abort, g, render_template, request, url_for
from flask_login import current_user

from portal import data_access
from portal.agent_portal.blueprint import bp
from portal.agent_portal.forms import AppearanceForm, PayoutRequestForm
from portal.domain.money import format_money
from portal.read.appearance import Appearance
from portal.read.invoices import AGENT_INVOICE_FILTERS
from portal.read.pages import PageRequest
from portal.services.appearance import AppearanceDraft, RevertAppearance, SaveAppearance, review_appearance
from portal.services.logos import clean_logo
from portal.services.money.commands import CancelPayout, RequestPayout
from portal.services.notifications import MarkNotificationsRead
from portal.web import own_sessions
from portal.web.branding import PREVIEW_ONLY, logo_response, stylesheet_response, theme_stylesheet
from portal.web.charts import Measure, bar_chart
from portal.web.commands import confirm, submit_action, submit_form
from portal.web.forms import ActionForm, PasswordChangeForm, amount_from, text
from portal.web.htmx import render_page, wants_fragment
from portal.web.queries import identifier, invoice_filters, page_request
from portal.web.rate_limits import limit_password_checks

CHART_DAYS = 90
#: the wallet's newest lines on the home page
RECENT_LINES = 5
CREDITED = Measure("Commission credited", "Credited", "net of clawbacks")


def _page() -> PageRequest:
    return page_request(request.args)


@bp.route("/")
def home():
    agent = g.agent
    today = data_access.today()
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    chart = bar_chart(CREDITED, days, data_access.credited_commissions_by_day(agent, CHART_DAYS), agent.currency)
    activity = data_access.agent_wallet_lines(agent, PageRequest(per_page=RECENT_LINES))
    return render_template("portal/home.html", home=data_access.portal_home(agent), chart=chart, activity=activity)


@bp.route("/theme.css")
def theme():
    """The portal's saved colours as CSS custom properties; with ``?primary=&accent=``, unsaved ones for the
    appearance preview, applying inside the preview only and never to the page around it."""
    current = data_access.appearance_for(g.agent)
    args = request.args
    if "primary" not in args and "accent" not in args:
        return stylesheet_response(theme_stylesheet(current))
    shown = current.with_colours(args.get("primary", current.primary_color), args.get("accent", current.accent_color))
    return stylesheet_response(theme_stylesheet(shown, PREVIEW_ONLY))


@bp.route("/logo/<int:logo_id>")
def logo(logo_id: int):
    found = data_access.logo(g.agent, logo_id)
    if found is None:
        abort(404)
    return logo_response(found)


@bp.route("/invoices")
def invoices():
    filters = replace(invoice_filters(request.args), agent_id=None)
    listing = data_access.portal_invoices(g.agent, _page(), filters)
    return render_page(
        "portal/invoices.html", "portal/_invoices_table.html", invoices=listing, filters=filters,
        statuses=AGENT_INVOICE_FILTERS,
    )  # fmt: skip


@bp.route("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    detail = data_access.portal_invoice(g.agent, invoice_id)
    if detail is None:
        abort(404)
    return render_template("portal/invoice.html", detail=detail)


@bp.route("/payments")
def payments():
    listing = data_access.agent_payments(g.agent, _page())
    return render_page("portal/payments.html", "portal/_payments_table.html", payments=listing)


@bp.route("/wallet")
def wallet():
    return render_page(
        "portal/wallet.html", "portal/_wallet_lines.html", lines=data_access.agent_wallet_lines(g.agent, _page()),
        wallet=data_access.wallet_balance(g.agent),
    )  # fmt: skip


@bp.route("/payouts", methods=["GET", "POST"])
def payouts():
    agent = g.agent
    form = PayoutRequestForm()

    def done(result) -> str:
        amount = format_money(result.amount_minor, result.currency)
        confirm(result, f"Payout of {amount} requested. The amount is held until it is approved.",
                f"This request for {amount} was already sent.")  # fmt: skip
        return url_for("agent_portal.payouts")

    return submit_form(
        form,
        lambda: RequestPayout(
            idempotency_key=form.key, agent_id=agent.id,
            amount_minor=amount_from(form, "amount", agent.currency), currency=agent.currency,
            confirm_repeat=form.confirm_repeat.data,
        ),
        done, "portal/payouts.html", payouts=data_access.agent_payouts(agent, _page()),
        wallet=data_access.wallet_balance(agent),
    )  # fmt: skip


@bp.route("/payouts/<int:payout_id>/cancel", methods=["POST"])
def payout_cancel(payout_id: int):
    form = ActionForm()

    def done(result) -> str:
        amount = format_money(result.amount_minor, result.currency)
        confirm(result, f"Your payout request of {amount} was cancelled; the amount is available again.",
                "This request had been cancelled already.")  # fmt: skip
        return url_for("agent_portal.payouts")

    return submit_action(
        form,
        lambda: CancelPayout(idempotency_key=form.key, payout_id=payout_id, agent_id=g.agent.id),
        done,
    )


@bp.route("/notifications")
def notifications():
    listing = data_access.agent_notifications(g.agent, _page())
    return render_page("portal/notifications.html", "portal/_notifications_list.html", notifications=listing)


@bp.route("/notifications/badge")
def notifications_badge():
    """The unread count alone, for the badge that polls."""
    return render_template("portal/_badge.html")


@bp.route("/notifications/read", methods=["POST"])
def notifications_read():
    form = ActionForm()
    chosen = request.form.get("notification", "")
    notification_id = identifier(chosen)
    if chosen and notification_id is None:
        abort(404)
    return submit_action(
        form,
        lambda: MarkNotificationsRead(idempotency_key=form.key, agent_id=g.agent.id, notification_id=notification_id),
        lambda result: url_for("agent_portal.notifications"),
    )


def _saved_values(current: Appearance) -> dict[str, str]:
    return {"display_name": current.display_name, "welcome_text": current.welcome_text,
            "primary_color": current.primary_color, "accent_color": current.accent_color}  # fmt: skip


def _draft(form: AppearanceForm) -> AppearanceDraft:
    return AppearanceDraft(text(form.display_name), text(form.welcome_text), text(form.primary_color),
                           text(form.accent_color))  # fmt: skip


def _appearance_context(form: AppearanceForm) -> dict:
    """What the appearance page shows beside its form: the preview of the values in it, and the saved versions."""
    return {"review": review_appearance(_draft(form)), "history": data_access.appearance_history(g.agent)}


@bp.route("/appearance", methods=["GET", "POST"])
def appearance():
    agent = g.agent
    if request.method == "GET":
        form = AppearanceForm(data=_saved_values(data_access.appearance_for(agent)))
    else:
        form = AppearanceForm()

    def command() -> SaveAppearance:
        upload = form.logo.data
        logo = clean_logo(upload.read()) if upload and upload.filename else None
        return SaveAppearance(idempotency_key=form.key, agent_id=agent.id, draft=_draft(form), logo=logo)

    def done(result) -> str:
        confirm(result, f"Your portal's appearance was saved (version {result.version}).",
                f"This appearance was already saved as version {result.version}.")  # fmt: skip
        return url_for("agent_portal.appearance")

    return submit_form(form, command, done, "portal/appearance.html", **_appearance_context(form))


@bp.route("/appearance/preview", methods=["POST"])
def appearance_preview():
    """The portal with the values being typed, saving nothing: the preview alone for htmx, else the form beside it.

    A POST (with the form's CSRF token), so the values and the token never end up in an address or a log line.
    """
    form = AppearanceForm()
    if wants_fragment():
        return render_template("portal/_preview.html", review=review_appearance(_draft(form)), live=True)
    return render_template("portal/appearance.html", form=form, **_appearance_context(form))


@bp.route("/appearance/<int:version>/revert", methods=["POST"])
def appearance_revert(version: int):
    form = ActionForm()

    def done(result) -> str:
        confirm(result, f"Version {version} is back, saved as version {result.version}.",
                f"Version {version} was already brought back, as version {result.version}.")  # fmt: skip
        return url_for("agent_portal.appearance")

    return submit_action(
        form, lambda: RevertAppearance(idempotency_key=form.key, agent_id=g.agent.id, version=version),
        done,
    )  # fmt: skip


@bp.route("/profile", methods=["GET", "POST"])
@limit_password_checks
def profile():
    form = PasswordChangeForm()
    return submit_form(
        form, lambda: own_sessions.change_password(form),
        lambda result: own_sessions.password_changed(result, url_for("agent_portal.profile")),
        "portal/profile.html", sessions=own_sessions.open_logins(),
        logins=data_access.recent_logins(current_user.id, current_user.session_token),
        two_factor=data_access.two_factor_enrolled(current_user.id),
    )  # fmt: skip


@bp.route("/profile/sessions/end", methods=["POST"])
def profile_session_end():
    return own_sessions.end_session(url_for("agent_portal.profile"))


@bp.route("/profile/sessions/end-others", methods=["GET", "POST"])
def profile_sessions_end_others():
    """GET asks first; POST ends every session but this one."""
    return own_sessions.end_other_sessions("portal/profile_end_sessions.html", url_for("agent_portal.profile"))
