"""Who may do what: the permission matrix, in one place.

Every dashboard endpoint names the permission it needs in ``ENDPOINTS``; the
blueprint checks it once, before any view runs. An endpoint missing from the
table is refused (fail closed), and a test walks every route with every role.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal import data_access
from portal.extensions import login_manager
from portal.models.user import STAFF_ROLES
from portal.read.agents import AgentProfile

ALL_STAFF = frozenset(STAFF_ROLES)
MONEY_STAFF = frozenset({"admin", "finance"})
ADMINS = frozenset({"admin"})

#: permission → roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": ALL_STAFF,
    "agents.manage": ADMINS,
    "invoices.manage": MONEY_STAFF,
    "payments.record": MONEY_STAFF,
    "payments.refund": MONEY_STAFF,
    "commissions.approve": MONEY_STAFF,
    "payouts.decide": MONEY_STAFF,
    "wallets.adjust": ADMINS,
    "settings.read": ALL_STAFF,
    "settings.change": ADMINS,
    "settings.reveal": ADMINS,
    "audit.verify": MONEY_STAFF,
    "users.manage": ADMINS,
    "tokens.manage": ADMINS,
    "flags.manage": ADMINS,
}

#: the only pages a session opened without its required second factor may use
TWO_FACTOR_ENDPOINTS = frozenset(
    f"dashboard.profile_two_factor{action}" for action in ("", "_begin", "_confirm", "_recovery_codes", "_remove")
)

#: dashboard endpoint → permission it needs
ENDPOINTS: dict[str, str] = {
    "dashboard.overview": "read",
    "dashboard.agents": "read",
    "dashboard.agent_detail": "read",
    "dashboard.agent_new": "agents.manage",
    "dashboard.agent_edit": "agents.manage",
    "dashboard.agent_status": "agents.manage",
    "dashboard.agent_login": "agents.manage",
    "dashboard.wallet_adjust": "wallets.adjust",
    "dashboard.invoices": "read",
    "dashboard.invoice_detail": "read",
    "dashboard.invoice_new": "invoices.manage",
    "dashboard.invoice_edit": "invoices.manage",
    "dashboard.invoice_issue": "invoices.manage",
    "dashboard.invoice_void": "invoices.manage",
    "dashboard.payment_record": "payments.record",
    "dashboard.payment_refund": "payments.refund",
    "dashboard.commissions": "read",
    "dashboard.commission_approve": "commissions.approve",
    "dashboard.commissions_approve_many": "commissions.approve",
    "dashboard.payouts": "read",
    "dashboard.payout_approve": "payouts.decide",
    "dashboard.payout_reject": "payouts.decide",
    "dashboard.payout_paid": "payouts.decide",
    "dashboard.settings": "settings.read",
    "dashboard.setting_edit": "settings.change",
    "dashboard.setting_reveal": "settings.reveal",
    "dashboard.audit": "read",
    "dashboard.audit_verify": "audit.verify",
    "dashboard.users": "users.manage",
    "dashboard.user_new": "users.manage",
    "dashboard.user_edit": "users.manage",
    "dashboard.tokens": "tokens.manage",
    "dashboard.token_new": "tokens.manage",
    "dashboard.token_revoke": "tokens.manage",
    "dashboard.flags": "flags.manage",
    "dashboard.flag_edit": "flags.manage",
    "dashboard.flag_switch": "flags.manage",
    # Everyone's own profile: their password and their log-in sessions
    "dashboard.profile": "read",
    "dashboard.profile_session_end": "read",
    "dashboard.profile_sessions_end_others": "read",
    # CSV downloads and statements: what their page needs
    "dashboard.agents_export": "read",
    "dashboard.agent_records_export": "read",
    "dashboard.agent_statement": "read",
    "dashboard.agent_statement_csv": "read",
    "dashboard.invoices_export": "read",
    "dashboard.commissions_export": "read",
    "dashboard.payouts_export": "read",
    "dashboard.audit_export": "read",
    "dashboard.users_export": "users.manage",
    "dashboard.tokens_export": "tokens.manage",
    # a person's own two-factor sign-in
    **{endpoint: "read" for endpoint in TWO_FACTOR_ENDPOINTS},
}


def role_can(role: str | None, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())


def can(permission: str) -> bool:
    """Whether the logged-in user holds ``permission`` (templates use it to show actions)."""
    return current_user.is_authenticated and role_can(current_user.role, permission)


def _require_login() -> None:
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())


def require_staff() -> None:
    """``before_request`` of the dashboard: log in first, then the endpoint's permission."""
    _require_login()
    if current_user.role not in STAFF_ROLES:
        abort(403)
    if current_user.must_enrol_two_factor and request.endpoint not in TWO_FACTOR_ENDPOINTS:
        abort(redirect(url_for("dashboard.profile_two_factor"), code=303))
    permission = ENDPOINTS.get(request.endpoint or "")
    if permission is None or not role_can(current_user.role, permission):
        abort(403)


def portal_agent_for(slug: str) -> AgentProfile:
    """The agent whose portal this is, when the user is one of its own users.

    Anyone else gets 404, so another agent's portal is not even confirmed to exist.
    """
    _require_login()
    agent = data_access.agent_by_slug(slug)
    if agent is None or current_user.role != "agent" or current_user.agent_id != agent.id:
        abort(404)
    return agent
