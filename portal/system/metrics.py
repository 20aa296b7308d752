"""``/metrics`` for Prometheus, refused to anyone the configuration does not name.

``METRICS_TOKEN`` asks for ``Authorization: Bearer <token>``; ``METRICS_ALLOW_FROM``
(addresses or networks, comma-separated) asks for the scraper's address. With
both, both are asked; with neither, nobody may scrape (403 says what to set).
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Response, current_app, request

from portal.extensions import db
from portal.flags.evaluation import snapshot
from portal.models.base import utcnow
from portal.observability.exposition import SharedGauges, exposition
from portal.system.blueprint import bp

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def allowed_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``10.0.0.0/8, 127.0.0.1``: the networks a scrape may come from (checked when the configuration loads)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _refusal() -> Response | None:
    token = current_app.config.get("METRICS_TOKEN", "")
    networks = allowed_networks(current_app.config["METRICS_ALLOW_FROM"])
    if not token and not networks:
        return Response("Metrics are off: set METRICS_TOKEN or METRICS_ALLOW_FROM.\n", 403, mimetype="text/plain")
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            address = None
        if address is None or not any(address in network for network in networks):
            return Response("This address may not scrape metrics.\n", 403, mimetype="text/plain")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            refusal = Response("Send the metrics token: Authorization: Bearer <token>.\n", 401, mimetype="text/plain")
            refusal.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return refusal
    return None


@bp.route("/metrics")
def metrics() -> Response:
    """Prometheus' text format, to a scraper the configuration allows."""
    refusal = _refusal()
    if refusal is not None:
        return refusal
    shared = SharedGauges(db.session(), utcnow(), snapshot(), current_app.config.get("FLAG_OVERRIDES", {}))
    response = Response(exposition(shared), mimetype=None, content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    db.session.remove()
    return response
