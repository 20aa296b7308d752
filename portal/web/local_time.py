"""Times in the viewer's own time zone: compact in tables, the UTC instant one hover away.

The browser tells its zone once (``static/js/timezone.js`` stores ``Intl``'s zone name in the ``tz`` cookie); a
page rendered before that, or for a zone name we do not know, shows UTC and says so. Nothing else is read from the
cookie: a value that is not an IANA zone name is ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime, format_skeleton, format_time
from flask import g, has_request_context, request
from markupsafe import Markup, escape

TIME_ZONE_COOKIE = "tz"
_MAX_ZONE_NAME = 64


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None for anything else (empty, too long, a path, unknown)."""
    if not name or len(name) > _MAX_ZONE_NAME or name.startswith(("/", ".")) or ".." in name or "\\" in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def viewer_zone() -> tzinfo:
    """The zone the browser reported, else UTC."""
    if not has_request_context():
        return UTC
    if "time_zone" not in g:
        g.time_zone = zone_named(request.cookies.get(TIME_ZONE_COOKIE)) or UTC
    zone: tzinfo = g.time_zone
    return zone


def _compact(local: datetime, zone: tzinfo, locale: str) -> str:
    now = datetime.now(zone)
    day_skeleton = "MMMd" if local.year == now.year else "yMMMd"
    day = format_skeleton(day_skeleton, local, locale=locale)
    text = f"{day}, {format_time(local, 'short', tzinfo=zone, locale=locale)}"
    return text if zone is not UTC else f"{text} UTC"


def local_time_markup(value: datetime | None, locale: str) -> Markup:
    """``<time>`` with the UTC instant in ``datetime`` and ``title``, the viewer's local time as its text."""
    if value is None:
        return Markup("—")
    instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    zone = viewer_zone()
    local = instant.astimezone(zone)
    full_utc = format_datetime(instant, "medium", tzinfo=UTC, locale=locale) + " UTC"
    machine = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup(
        f'<time datetime="{machine}" title="{escape(full_utc)}" class="when">'
        f"{escape(_compact(local, zone, locale))}</time>"
    )
