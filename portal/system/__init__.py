"""Endpoints for machines: health checks and metrics."""

from portal.system import metrics, routes  # noqa: F401  (registers the routes)
from portal.system.blueprint import bp

__all__ = ["bp"]
