"""``/api/v1``: the third door onto the same read helpers and commands as the dashboard and the portal.

JSON in and out, bearer tokens (never the session cookie, so no CSRF token is
needed and none can be forged), ``Idempotency-Key`` on every POST, RFC 9457
problems for every error, opaque cursors, a rate limit per token, and an
OpenAPI 3.1 document generated from the schemas that validate each request.
"""

# Each resource module adds its routes to the blueprint.
from portal.api import activity, agents, commissions, invoices, openapi, wallets  # noqa: F401
from portal.api.blueprint import bp

__all__ = ["bp"]
