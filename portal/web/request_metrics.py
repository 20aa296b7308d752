"""Every request timed and counted: by endpoint (the route's name, never the raw path), method, status class, cohort.

The route's endpoint keeps the number of series bounded whatever addresses are
asked for (an unknown one is ``unmatched``); methods outside the HTTP set are
``other``. Scrapes of ``/metrics`` are counted too (``system.metrics``): a refused
one is worth seeing, and a fresh instance has request series from its first scrape.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from portal.observability.cohort import clear_cohort, current_cohort
from portal.observability.metrics import REQUEST_DURATION, REQUESTS_IN_FLIGHT

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install_request_metrics(app: Flask) -> None:
    """Time each request from its first hook to its response; in flight until its teardown."""

    def _start() -> None:
        g.metrics_started = time.perf_counter()
        REQUESTS_IN_FLIGHT.inc()

    # Right after the correlation id: a request refused by a later hook (CSRF, a rate limit) is measured too.
    app.before_request_funcs.setdefault(None, []).insert(1, _start)

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("metrics_started")
        if started is not None:
            method = request.method if request.method in METHODS else "other"
            REQUEST_DURATION.labels(
                request.endpoint or "unmatched", method, f"{response.status_code // 100}xx", current_cohort()
            ).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _finish(exc: BaseException | None) -> None:
        if g.pop("metrics_started", None) is not None:
            REQUESTS_IN_FLIGHT.dec()
        clear_cohort()
