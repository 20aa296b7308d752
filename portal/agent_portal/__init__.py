"""Each agent's own branded portal, under ``/portal/<slug>``."""

from portal.agent_portal import routes  # noqa: F401  (registers the routes)
from portal.agent_portal.blueprint import bp

__all__ = ["bp"]
