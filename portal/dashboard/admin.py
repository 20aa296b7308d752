"""Settings (secrets masked, revealed only to admins and audited), the audit trail, and staff users."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, url_for
from flask_login import current_user

from portal import data_access
from portal.dashboard.blueprint import bp
from portal.dashboard.forms import SecretSettingForm, SettingForm, UserEditForm, UserForm
from portal.extensions import db
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key
from portal.security.secure_settings import CATALOG, secure_settings
from portal.services.accounts import CreateStaffUser, UpdateStaffUser
from portal.services.settings import ChangeSetting
from portal.web.actor_names import name_actors
from portal.web.commands import confirm, submit_form, units
from portal.web.forms import ActionForm, text
from portal.web.fresh_authentication import needs_fresh_authentication
from portal.web.htmx import redirect_after_post, render_page, wants_fragment
from portal.web.queries import audit_filters, page_request


@bp.route("/settings")
def settings():
    views = secure_settings().views(db.session())
    name_actors(views)
    return render_template("dashboard/settings.html", views=views)


@bp.route("/settings/<name>", methods=["GET", "POST"])
@needs_fresh_authentication(
    "change a secret or sign-in setting", when=lambda name: name in CATALOG and CATALOG[name].sensitive
)
def setting_edit(name: str):
    if name not in CATALOG:
        abort(404)
    service = secure_settings()
    definition = CATALOG[name]
    form = SecretSettingForm() if definition.secret else SettingForm()
    if request.method == "GET" and not definition.secret:
        form.value.data = service.view(db.session(), name).display

    def done(result) -> str:
        confirm(result, f"{definition.label} was saved.", f"{definition.label} had been saved already.")
        return url_for("dashboard.settings")

    return submit_form(
        form,
        lambda: ChangeSetting(idempotency_key=form.key, setting=name, value=form.value.data),
        done, "dashboard/setting_form.html", view=service.view(db.session(), name),
    )  # fmt: skip


@bp.route("/settings/<name>/reveal", methods=["POST"])
@needs_fresh_authentication("reveal a secret", cancel="dashboard.settings")
def setting_reveal(name: str):
    """Show a secret once; the reveal is audited before the value leaves the server."""
    if name not in CATALOG or not CATALOG[name].secret:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    value = secure_settings().reveal(units()("reveal_setting"), name)
    template = "dashboard/_revealed.html" if wants_fragment() else "dashboard/revealed.html"
    response = make_response(render_template(template, label=CATALOG[name].label, value=value, name=name))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/audit")
def audit():
    filters = audit_filters(request.args)
    events = data_access.audit_trail(page_request(request.args, 50), filters)
    name_actors(events.items)
    return render_page(
        "dashboard/audit.html", "dashboard/_audit_table.html", events=events, filters=filters,
        entity_choices=data_access.audit_entity_choices(),
    )  # fmt: skip


@bp.route("/audit/verify", methods=["POST"])
def audit_verify():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    report = verify_chain(db.session(), chain_key())
    if report.holds:
        flash(f"The audit chain holds: {report.checked} events verified.", "success")
    else:
        flash(f"The audit chain is broken: {report.first_break}.", "error")
    return redirect_after_post(url_for("dashboard.audit"))


@bp.route("/users")
def users():
    listing = data_access.staff_users(page_request(request.args))
    return render_template("dashboard/users.html", users=listing)


@bp.route("/users/new", methods=["GET", "POST"])
@needs_fresh_authentication("create a staff user")
def user_new():
    form = UserForm()

    def done(result) -> str:
        confirm(result, f"{result.email} can now log in as {result.role}.", f"{result.email} could already log in.")
        return url_for("dashboard.users")

    return submit_form(
        form,
        lambda: CreateStaffUser(
            idempotency_key=form.key, email=text(form.email), full_name=text(form.full_name),
            role=text(form.role), password=text(form.password),
        ),
        done, "dashboard/user_form.html", user=None,
    )  # fmt: skip


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@needs_fresh_authentication("change a staff user")
def user_edit(user_id: int):
    user = data_access.user_by_id(user_id)
    if user is None or not user.staff:
        abort(404)
    form = (
        UserEditForm(data={"role": user.role, "is_active": user.is_active})
        if request.method == "GET"
        else UserEditForm()
    )

    def done(result) -> str:
        confirm(result, f"{user.email} was updated.", f"{user.email} had been updated already.")
        return url_for("dashboard.users")

    return submit_form(
        form,
        lambda: UpdateStaffUser(
            idempotency_key=form.key, user_id=user_id, role=text(form.role),
            is_active=form.is_active.data, acting_user_id=current_user.id,
        ),
        done, "dashboard/user_form.html", user=user,
    )  # fmt: skip
