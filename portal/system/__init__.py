"""Endpoints for machines: health checks."""

from flask import Blueprint

bp = Blueprint("system", __name__)

from portal.system import routes  # noqa: E402,F401
