"""Endpoints for machines: health checks."""

from portal.system import routes  # noqa: F401  (registers the routes)
from portal.system.blueprint import bp

__all__ = ["bp"]
