"""An agent's branding applied as CSS custom properties, from validated data only."""

from __future__ import annotations

from flask import Response, request
from werkzeug.wrappers import Response as BaseResponse

from portal.domain.colours import InvalidColour, parse_hex_colour, readable_text_on
from portal.models.agent import DEFAULT_ACCENT, DEFAULT_PRIMARY
from portal.read.appearance import Appearance, Logo

#: where a stylesheet's colours apply: the whole page, or only the preview of unsaved ones
WHOLE_PAGE = ":root"
PREVIEW_ONLY = ".brand-preview"
_SCOPES = frozenset({WHOLE_PAGE, PREVIEW_ONLY})


def _safe_colour(value: str, fallback: str) -> str:
    try:
        return parse_hex_colour(value)
    except InvalidColour:
        return fallback


def theme_stylesheet(appearance: Appearance, scope: str = WHOLE_PAGE) -> str:
    """A stylesheet that sets only colour custom properties, on the whole page or only inside the preview.

    Every value is re-validated as ``#rrggbb`` here, so nothing an agent typed
    can reach the page as CSS, even if a bad row got into the database.
    """
    if scope not in _SCOPES:
        raise ValueError(f"not a scope of the theme: {scope!r}")
    primary = _safe_colour(appearance.primary_color, DEFAULT_PRIMARY)
    accent = _safe_colour(appearance.accent_color, DEFAULT_ACCENT)
    return (
        f"{scope} {{\n"
        f"  --brand-primary: {primary};\n"
        f"  --brand-on-primary: {readable_text_on(primary)};\n"
        f"  --brand-accent: {accent};\n"
        f"  --brand-on-accent: {readable_text_on(accent)};\n"
        "}\n"
    )


def stylesheet_response(css: str) -> BaseResponse:
    """A theme as CSS the browser revalidates (the ETag makes an unchanged one cost a 304)."""
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


def logo_response(logo: Logo, cache_control: str = "private, max-age=86400, immutable") -> BaseResponse:
    """A stored logo (re-encoded when it was uploaded), served inline and never sniffed as anything else."""
    response = Response(logo.data, mimetype=logo.media_type)
    response.headers["Cache-Control"] = cache_control
    response.headers["Content-Disposition"] = "inline"
    response.set_etag(logo.sha256)
    return response.make_conditional(request)
