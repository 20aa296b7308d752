"""Log-in and log-out for staff and agents."""

from portal.auth import routes  # noqa: F401  (registers the routes)
from portal.auth.blueprint import bp

__all__ = ["bp"]
