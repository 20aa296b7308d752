"""Settings (secrets masked, revealed only to admins and audited), the audit trail, and staff users."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user

from portal import data_access
from portal.dashboard import bp
from portal.dashboard.forms import SecretSettingForm, SettingForm, UserEditForm, UserForm
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_trail import chain_key
from portal.repositories.audit import AuditFilters
from portal.repositories.pages import PageRequest
from portal.security.secure_settings import CATALOG, secure_settings
from portal.services.accounts import create_staff_user, update_staff_user
from portal.web.commands import unit
from portal.web.forms import ActionForm, show_refusal
from portal.web.htmx import redirect_after_post, render_page, wants_fragment


@bp.route("/settings")
def settings():
    return render_template("dashboard/settings.html", views=secure_settings().views(db.session))


@bp.route("/settings/<name>", methods=["GET", "POST"])
def setting_edit(name: str):
    if name not in CATALOG:
        abort(404)
    service = secure_settings()
    secret = CATALOG[name].secret
    form = SecretSettingForm() if secret else SettingForm()
    if request.method == "GET" and not secret:
        form.value.data = service.view(db.session, name).display
    status = 200
    if form.validate_on_submit():
        try:
            service.change(unit("change_setting"), name, form.value.data)
        except DomainError as error:
            status = show_refusal(form, error, "value")
        else:
            flash(f"{CATALOG[name].label} was saved.", "success")
            return redirect_after_post(url_for("dashboard.settings"))
    elif request.method == "POST":
        status = 422
    if secret:
        form.value.data = ""
    return render_template("dashboard/setting_form.html", form=form, view=service.view(db.session, name)), status


@bp.route("/settings/<name>/reveal", methods=["POST"])
def setting_reveal(name: str):
    """Show a secret once; the reveal is audited before the value leaves the server."""
    if name not in CATALOG or not CATALOG[name].secret:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    value = secure_settings().reveal(unit("reveal_setting"), name)
    template = "dashboard/_revealed.html" if wants_fragment() else "dashboard/revealed.html"
    response = make_response(render_template(template, label=CATALOG[name].label, value=value, name=name))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/audit")
def audit():
    filters = AuditFilters.parse(request.args)
    events = data_access.audit_events(PageRequest.parse(request.args.get("page"), 50), filters)
    return render_page(
        "dashboard/audit.html", "dashboard/_audit_table.html", events=events, filters=filters,
        entity_types=data_access.audit_entity_types(),
    )  # fmt: skip


@bp.route("/audit/verify", methods=["POST"])
def audit_verify():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    report = verify_chain(db.session, chain_key())
    if report.holds:
        flash(f"The audit chain holds: {report.checked} events verified.", "success")
    else:
        flash(f"The audit chain is broken: {report.first_break}.", "error")
    return redirect_after_post(url_for("dashboard.audit"))


@bp.route("/users")
def users():
    listing = data_access.staff_users(PageRequest.parse(request.args.get("page")))
    return render_template("dashboard/users.html", users=listing)


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            create_staff_user(
                unit("create_user"), form.email.data, form.full_name.data, form.role.data, form.password.data
            )
        except DomainError as error:
            status = show_refusal(form, error, "email")
        else:
            flash(f"{form.email.data} can now log in as {form.role.data}.", "success")
            return redirect_after_post(url_for("dashboard.users"))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = data_access.user_by_id(user_id)
    if user is None or user.role == "agent":
        abort(404)
    form = (
        UserEditForm(data={"role": user.role, "is_active": user.is_active})
        if request.method == "GET"
        else UserEditForm()
    )
    status = 200
    if form.validate_on_submit():
        try:
            update_staff_user(unit("update_user"), user_id, form.role.data, form.is_active.data, current_user.id)
        except DomainError as error:
            status = show_refusal(form, error)
        else:
            flash(f"{user.email} was updated.", "success")
            return redirect_after_post(url_for("dashboard.users"))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/user_form.html", form=form, user=user), status
