"""An agent's branding applied as CSS custom properties, from validated data only."""

from __future__ import annotations

from portal.domain.colours import InvalidColour, parse_hex_colour, readable_text_on
from portal.models.agent import DEFAULT_ACCENT, DEFAULT_PRIMARY
from portal.read.appearance import Appearance


def _safe_colour(value: str, fallback: str) -> str:
    try:
        return parse_hex_colour(value)
    except InvalidColour:
        return fallback


def theme_stylesheet(appearance: Appearance) -> str:
    """A stylesheet that sets only colour custom properties.

    Every value is re-validated as ``#rrggbb`` here, so nothing an agent typed
    can reach the page as CSS, even if a bad row got into the database.
    """
    primary = _safe_colour(appearance.primary_color, DEFAULT_PRIMARY)
    accent = _safe_colour(appearance.accent_color, DEFAULT_ACCENT)
    return (
        ":root {\n"
        f"  --brand-primary: {primary};\n"
        f"  --brand-on-primary: {readable_text_on(primary)};\n"
        f"  --brand-accent: {accent};\n"
        f"  --brand-on-accent: {readable_text_on(accent)};\n"
        "}\n"
    )
