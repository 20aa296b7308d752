"""Each agent's own branded portal, under ``/portal/<slug>``."""

from flask import Blueprint, g

from portal.auth.permissions import portal_agent_for

bp = Blueprint("agent_portal", __name__)


@bp.url_value_preprocessor
def _pull_slug(endpoint, values):
    g.portal_slug = values.pop("slug", None) if values else None


@bp.url_defaults
def _add_slug(endpoint, values):
    if "slug" not in values and g.get("portal_slug"):
        values["slug"] = g.portal_slug


@bp.before_request
def _only_the_agents_own_users() -> None:
    g.agent = portal_agent_for(g.portal_slug)


from portal.agent_portal import routes  # noqa: E402,F401
