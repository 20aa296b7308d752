"""The dashboard's blueprint: staff only, each endpoint's permission checked once per request."""

from flask import Blueprint, request, url_for
from flask_login import current_user

from portal.auth.permissions import ENDPOINTS, can, require_staff
from portal.web.errors import ErrorFrame, register_error_frame

bp = Blueprint("dashboard", __name__)
bp.before_request(require_staff)

#: (section, label, landing endpoint); a page belongs to the section its endpoint names
SECTIONS = (
    ("overview", "Overview", "dashboard.overview"),
    ("agents", "Agents", "dashboard.agents"),
    ("invoices", "Invoices", "dashboard.invoices"),
    ("commissions", "Commissions", "dashboard.commissions"),
    ("payouts", "Payouts", "dashboard.payouts"),
    ("audit", "Audit trail", "dashboard.audit"),
    ("settings", "Settings", "dashboard.settings"),
    ("users", "Users", "dashboard.users"),
    ("tokens", "API tokens", "dashboard.tokens"),
    ("flags", "Flags", "dashboard.flags"),
)
_SECTION_OF_PREFIX = {
    "agent": "agents", "wallet": "agents", "invoice": "invoices", "payment": "invoices", "commission": "commissions",
    "payout": "payouts", "audit": "audit", "setting": "settings", "user": "users", "overview": "overview",
    "token": "tokens", "flag": "flags",
}  # fmt: skip


def current_section(endpoint: str | None) -> str | None:
    name = (endpoint or "").removeprefix("dashboard.")
    return next((section for prefix, section in _SECTION_OF_PREFIX.items() if name.startswith(prefix)), None)


@bp.context_processor
def _navigation() -> dict:
    here = current_section(request.endpoint)
    items = [
        (url_for(endpoint), label, section == here) for section, label, endpoint in SECTIONS if can(ENDPOINTS[endpoint])
    ]
    return {"nav_items": items}


def _error_frame() -> dict | None:
    """An error under /dashboard/ (an unknown address included) keeps the navigation, for staff."""
    if not (current_user.is_authenticated and current_user.is_staff):
        return None
    return _navigation()


bp.record_once(
    lambda state: register_error_frame(state.app, ErrorFrame("/dashboard/", "dashboard/layout.html", _error_frame))
)
