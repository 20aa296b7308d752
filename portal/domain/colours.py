"""Brand colours: strict hex parsing and WCAG contrast."""

from __future__ import annotations

import re

_HEX = re.compile(r"^#[0-9a-f]{6}$")
WCAG_AA_NORMAL_TEXT = 4.5
BLACK, WHITE = "#000000", "#ffffff"


class InvalidColour(ValueError):
    """Not a colour of the form ``#rrggbb``."""


def parse_hex_colour(value: str) -> str:
    """Normalise to lower-case ``#rrggbb`` or raise InvalidColour."""
    candidate = (value or "").strip().lower()
    if not _HEX.fullmatch(candidate):
        raise InvalidColour(f"{value!r} is not a colour of the form #rrggbb")
    return candidate


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of a ``#rrggbb`` colour."""
    channels = []
    for start in (1, 3, 5):
        c = int(colour[start : start + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background``."""
    if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE):
        return BLACK
    return WHITE
