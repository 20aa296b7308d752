"""The log-in page of an agent's portal in the agent's branding: ``/portal/<slug>/login``.

Anyone may open it, so it shows only what the portal's own front shows: the display
name, the logo and the colours, and only for an agent whose portal is open (the agent is
active and inside the portal's rollout). Any other slug, known or not, gets the plain
log-in page, and its theme and logo addresses answer 404 alike: nothing tells a
suspended or unknown agent apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort

from portal import data_access
from portal.auth.blueprint import bp
from portal.flags.catalog import AGENT_PORTAL
from portal.flags.evaluation import flag_enabled
from portal.read.agents import AgentProfile
from portal.read.appearance import Appearance
from portal.web.branding import logo_response, stylesheet_response, theme_stylesheet


@dataclass(frozen=True)
class LoginBranding:
    """The branding an agent's log-in page shows."""

    agent: AgentProfile
    appearance: Appearance

    @property
    def slug(self) -> str:
        return self.agent.slug


def login_branding(slug: str | None) -> LoginBranding | None:
    """The branding of the open portal at ``slug``, or None (no slug, an unknown, suspended or not yet open one)."""
    agent = data_access.agent_by_slug(slug) if slug else None
    if agent is None or not agent.active or not flag_enabled(AGENT_PORTAL, agent.slug, role="agent"):
        return None
    return LoginBranding(agent, data_access.appearance_for(agent))


def _branding_or_404(slug: str) -> LoginBranding:
    branding = login_branding(slug)
    if branding is None:
        abort(404)
    return branding


@bp.route("/portal/<slug>/login/theme.css")
def portal_theme(slug: str):
    """The colours of the portal's log-in page."""
    return stylesheet_response(theme_stylesheet(_branding_or_404(slug).appearance))


@bp.route("/portal/<slug>/login/logo/<int:logo_id>")
def portal_logo(slug: str, logo_id: int):
    """The portal's current logo, for its log-in page (an earlier logo of the agent is not served here)."""
    branding = _branding_or_404(slug)
    found = data_access.logo(branding.agent, logo_id) if logo_id == branding.appearance.logo_id else None
    if found is None:
        abort(404)
    return logo_response(found, cache_control="public, max-age=3600")
