"""Agent portal pages."""

from __future__ import annotations

from flask import Response, g, render_template, request

from portal import data_access
from portal.agent_portal import bp
from portal.web.branding import theme_stylesheet


@bp.route("/")
def home():
    return render_template("portal/home.html", home=data_access.portal_home(g.agent))


@bp.route("/theme.css")
def theme():
    """The portal's colours as CSS custom properties, built from validated values only."""
    response = Response(theme_stylesheet(data_access.appearance_for(g.agent)), mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)
