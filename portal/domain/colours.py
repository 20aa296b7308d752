"""Brand colours: strict hex parsing, WCAG contrast, and what each brand colour must reach to stay readable.

A brand colour is drawn on the portal's own light backgrounds: the primary colour is
the colour of every link, on white cards and on the grey page; the accent colour
draws borders, markers and highlights on white. Text *on* a brand colour (the bar,
buttons, badges) is always black or white, whichever contrasts more
(``readable_text_on``), and that choice always reaches 4.5:1, so it needs no check.

When a colour falls short, the suggestion keeps its hue and saturation and moves its
lightness by as little as possible until every backdrop reaches the minimum.
"""

from __future__ import annotations

import colorsys
import math
import re
from dataclasses import dataclass

_HEX = re.compile(r"^#[0-9a-f]{6}$")
#: WCAG 2.2 1.4.3: body-size text
WCAG_AA_NORMAL_TEXT = 4.5
#: WCAG 2.2 1.4.3 large text, and 1.4.11 borders, markers and other graphics
WCAG_AA_LARGE_TEXT_AND_GRAPHICS = 3.0
BLACK, WHITE = "#000000", "#ffffff"
#: the page background (``--canvas`` in static/css/portal.css)
CANVAS = "#f4f6f8"
#: lightness steps tried on each side when looking for a colour that passes
_STEPS = 1000
FORMAT_HINT = "Colours must look like #1d3557 (a # and six hexadecimal digits)."


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
    """WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ratio_text(ratio: float) -> str:
    """``4.4:1`` for 4.49: rounded down, so a colour that falls short never reads as if it reached the minimum."""
    return f"{math.floor(ratio * 10) / 10:.1f}:1"


def readable_text_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background``."""
    if contrast_ratio(background, BLACK) >= contrast_ratio(background, WHITE):
        return BLACK
    return WHITE


@dataclass(frozen=True)
class Backdrop:
    """A background a brand colour is drawn on, named as people see it."""

    name: str
    colour: str


ON_WHITE = Backdrop("white", WHITE)
ON_CANVAS = Backdrop("the grey page background", CANVAS)


@dataclass(frozen=True)
class ContrastNeed:
    """One use of a brand colour and the contrast it needs against every backdrop it is drawn on."""

    #: what the colour draws, as a plural subject: "links"
    use: str
    minimum: float
    #: why that minimum, completing "<use> …": "are body-size text"
    reason: str
    backdrops: tuple[Backdrop, ...]

    def shortfall(self, colour: str) -> ContrastShortfall | None:
        """Where ``colour`` falls short on its worst backdrop, with a colour that would pass; None when it passes."""
        worst = min(self.backdrops, key=lambda backdrop: contrast_ratio(colour, backdrop.colour))
        ratio = contrast_ratio(colour, worst.colour)
        if ratio >= self.minimum:
            return None
        return ContrastShortfall(colour, worst, ratio, self, nearest_passing(colour, self))

    def met_by(self, colour: str) -> bool:
        return all(contrast_ratio(colour, backdrop.colour) >= self.minimum for backdrop in self.backdrops)


#: links are drawn in the primary colour, on white cards and on the grey page
LINK_TEXT = ContrastNeed("links", WCAG_AA_NORMAL_TEXT, "are body-size text", (ON_WHITE, ON_CANVAS))
#: the accent colour draws borders, unread markers and highlights on white
ACCENT_MARKS = ContrastNeed("borders and highlights", WCAG_AA_LARGE_TEXT_AND_GRAPHICS, "are graphics", (ON_WHITE,))


@dataclass(frozen=True)
class ContrastShortfall:
    """A colour below what its use needs, on the backdrop where it is hardest to see."""

    colour: str
    backdrop: Backdrop
    ratio: float
    need: ContrastNeed
    suggestion: str | None

    @property
    def message(self) -> str:
        """``#ffff66 on white is 1.1:1; links are body-size text and need at least 4.5:1. Try #6b6b00.``"""
        need = self.need
        text = (
            f"{self.colour} on {self.backdrop.name} is {ratio_text(self.ratio)}; "
            f"{need.use} {need.reason} and need at least {need.minimum:g}:1."
        )
        return f"{text} Try {self.suggestion}." if self.suggestion else text


def _with_lightness(hue: float, saturation: float, lightness: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in (red, green, blue))


def nearest_passing(colour: str, need: ContrastNeed) -> str | None:
    """The colour of the same hue and saturation, lightness moved least, that meets ``need``; None if none does."""
    red, green, blue = (int(colour[start : start + 2], 16) / 255 for start in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(red, green, blue)
    for step in range(_STEPS + 1):
        for candidate in (lightness - step / _STEPS, lightness + step / _STEPS):
            if 0 <= candidate <= 1:
                suggestion = _with_lightness(hue, saturation, candidate)
                if need.met_by(suggestion):
                    return suggestion
    return None
