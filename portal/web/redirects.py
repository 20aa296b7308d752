"""Where to send a person next: only ever a page of this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host, no CR/LF), else None."""
    if not target or any(ch in target for ch in "\r\n\\") or not target.isprintable():
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def back_on_this_site(fallback: str) -> str:
    """The page the button was pressed on, if it is on this site; never another host."""
    parts = urlsplit(request.referrer or "")
    if parts.scheme and parts.scheme not in ("http", "https"):
        return fallback
    if parts.netloc and parts.netloc != request.host:
        return fallback
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else "")) or fallback
