"""Security headers with a strict Content-Security-Policy, and no caching of pages, on every response."""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def install_security_headers(app: Flask) -> None:
    production = app.config.get("PORTAL_ENV") == "production"

    @app.after_request
    def _add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Pages show people's money and data: no browser or proxy keeps them, and Back asks the
        # server again. What may be cached (static files, logos, the theme) says so itself.
        response.headers.setdefault("Cache-Control", "no-store")
        if response.mimetype == "text/html":
            # Any page may be answered as an htmx fragment: a cache must never mix the two.
            response.vary.add("HX-Request")
        if production:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
