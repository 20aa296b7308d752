"""The staff dashboard: every operator task, permission-checked once per request."""

from portal.dashboard import admin, agents, flags, invoices, money, overview, tokens  # noqa: F401  (each registers its routes)
from portal.dashboard.blueprint import bp

__all__ = ["bp"]
