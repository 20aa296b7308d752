"""Each agent's own branded portal, under ``/portal/<slug>``."""

from portal.agent_portal import exports, routes, statements  # noqa: F401  (each registers its routes)
from portal.agent_portal.blueprint import bp

__all__ = ["bp"]
