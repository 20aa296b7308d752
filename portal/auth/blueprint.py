"""The log-in blueprint: the same pages for staff and agents."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
