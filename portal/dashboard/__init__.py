"""The staff dashboard: every operator task, permission-checked once per request."""

from portal.dashboard import (  # noqa: F401  (each registers its routes)
    admin,
    agents,
    exports,
    flags,
    invoices,
    money,
    overview,
    profile,
    statements,
    tokens,
)
from portal.dashboard.blueprint import bp
from portal.web import two_factor_pages

two_factor_pages.register(bp, "dashboard/layout.html")

__all__ = ["bp"]
