"""The agent portal's blueprint: the agent's own users only, where the portal is switched on for the agent."""

from flask import Blueprint, abort, g, make_response, render_template, request, url_for
from flask_login import current_user

from portal import data_access
from portal.auth.permissions import portal_agent_for
from portal.flags.catalog import AGENT_PORTAL
from portal.flags.evaluation import flag_enabled
from portal.observability.cohort import bind_cohort
from portal.web.errors import ErrorFrame, register_error_frame

bp = Blueprint("agent_portal", __name__)

#: (endpoint, label) of the portal's sections, in the order of its navigation
SECTIONS = (
    ("agent_portal.home", "Home"), ("agent_portal.invoices", "Invoices"), ("agent_portal.payments", "Payments"),
    ("agent_portal.wallet", "Wallet"), ("agent_portal.payouts", "Payouts"), ("agent_portal.statement", "Statements"),
    ("agent_portal.notifications", "Notifications"), ("agent_portal.appearance", "Appearance"),
    ("agent_portal.profile", "Profile"),
)  # fmt: skip
#: the section whose link carries the unread-notifications badge
UNREAD_SECTION = "agent_portal.notifications"


@bp.url_value_preprocessor
def _pull_slug(endpoint, values):
    g.portal_slug = values.pop("slug", None) if values else None


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("portal_slug"):
        values["slug"] = g.portal_slug


@bp.before_request
def _only_the_agents_own_users():
    """The one check point of the portal: its own users only, and only where the portal is switched on."""
    g.agent = portal_agent_for(g.portal_slug)
    in_rollout = flag_enabled(AGENT_PORTAL, g.agent.slug, role="agent")
    bind_cohort(in_rollout)
    if not in_rollout:
        abort(make_response(render_template("portal/not_available.html", agent=g.agent), 403))


@bp.context_processor
def _portal_frame() -> dict:
    agent = g.get("agent")
    if agent is None:
        return {}
    here = request.endpoint or ""
    nav = [
        (url_for(endpoint), label, here == endpoint or here.startswith(endpoint + "_"), endpoint == UNREAD_SECTION)
        for endpoint, label in SECTIONS
    ]
    return {
        "appearance": data_access.appearance_for(agent),
        "unread": data_access.unread_notifications(agent),
        "portal_nav": nav,
    }


def _error_frame() -> dict | None:
    """An error under the agent's own portal (an unknown address included) keeps its branding and navigation."""
    if g.get("agent") is None:
        slug = request.path.split("/")[2] if request.path.count("/") >= 2 else ""
        agent = data_access.agent_by_slug(slug) if slug else None
        if agent is None or not current_user.is_authenticated or current_user.agent_id != agent.id:
            return None
        g.agent, g.portal_slug = agent, agent.slug
    return _portal_frame()


bp.record_once(
    lambda state: register_error_frame(state.app, ErrorFrame("/portal/", "portal/layout.html", _error_frame))
)
