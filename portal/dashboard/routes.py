"""Dashboard pages."""

from __future__ import annotations

from flask import current_app, request

from portal import data_access
from portal.dashboard import bp
from portal.repositories.pages import PageRequest
from portal.web.htmx import render_page


@bp.route("/")
def home():
    search = request.args.get("q", "").strip()[:100]
    page = PageRequest.parse(request.args.get("page"), current_app.config["AGENTS_PER_PAGE"])
    agents = data_access.agents_overview(page, search=search or None)
    return render_page("dashboard/home.html", "dashboard/_agents_table.html", agents=agents, search=search)
