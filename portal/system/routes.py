"""``/healthz``: is the process up and can it reach its database."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import jsonify
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.system.blueprint import bp

logger = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        logger.warning("health check: database unreachable (%s)", type(error).__name__)
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")
