"""Each agent's own branded portal, under ``/portal/<slug>``."""

from portal.agent_portal import exports, routes, statements  # noqa: F401  (each registers its routes)
from portal.agent_portal.blueprint import bp
from portal.web import two_factor_pages

two_factor_pages.register(bp, "portal/layout.html")

__all__ = ["bp"]
