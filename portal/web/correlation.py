"""Give every request a correlation id and echo it in the response."""

from __future__ import annotations

from flask import Flask, Response, g, request

from portal.observability.correlation import bind_correlation_id, clear_correlation_id

HEADER = "X-Request-ID"


def install_correlation_id(app: Flask) -> None:
    """An incoming ``X-Request-ID`` is kept only behind a trusted proxy; anyone else gets a new one."""
    trusted = app.config.get("TRUSTED_PROXY_HOPS", 0) > 0

    def _bind() -> None:
        g.correlation_id = bind_correlation_id(request.headers.get(HEADER) if trusted else None)

    # First of all the hooks: a request refused by any other (CSRF, a rate limit) still has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, _bind)

    @app.after_request
    def _echo(response: Response) -> Response:
        correlation_id = g.get("correlation_id")
        if correlation_id:
            response.headers[HEADER] = correlation_id
        return response

    @app.teardown_request
    def _clear(exc: BaseException | None) -> None:
        clear_correlation_id()
