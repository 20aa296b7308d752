"""``/healthz``: is the process up and can it reach its database."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import jsonify
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db, limiter
from portal.system.blueprint import bp

logger = logging.getLogger(__name__)


def rate_limits_state() -> str:
    """``ok``; ``degraded`` while the shared store (Redis) is unreachable and limits are kept per process."""
    try:
        return "ok" if limiter.storage.check() else "degraded"
    except Exception:  # the store's client raises its own errors (redis, memcached)
        return "degraded"


@bp.route("/healthz")
def healthz():
    """200 while the portal can serve (``degraded`` names what is missing), 503 without its database."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        logger.warning("health check: database unreachable (%s)", type(error).__name__)
        return jsonify(status="error", database="error", rate_limits=rate_limits_state()), 503
    rate_limits = rate_limits_state()
    return jsonify(status="ok" if rate_limits == "ok" else "degraded", database="ok", rate_limits=rate_limits)
