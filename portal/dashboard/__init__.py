"""The staff dashboard."""

from flask import Blueprint

from portal.auth.permissions import require_staff

bp = Blueprint("dashboard", __name__)
bp.before_request(require_staff)

from portal.dashboard import routes  # noqa: E402,F401
