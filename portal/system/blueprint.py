"""The blueprint of endpoints for machines."""

from flask import Blueprint

bp = Blueprint("system", __name__)
