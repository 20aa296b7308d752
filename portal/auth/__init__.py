"""Log-in and log-out for staff and agents, and the branded log-in page of each agent's portal."""

from portal.auth import branding, routes  # noqa: F401  (registers the routes)
from portal.auth.blueprint import bp

__all__ = ["bp"]
