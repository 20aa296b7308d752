"""Brand colours: parsing, contrast, what links and highlights need, and the colour suggested instead."""

import colorsys
import math

import pytest

from portal.domain.colours import (
    ACCENT_MARKS,
    LINK_TEXT,
    ON_CANVAS,
    WCAG_AA_NORMAL_TEXT,
    InvalidColour,
    contrast_ratio,
    parse_hex_colour,
    ratio_text,
    readable_text_on,
)
from portal.read.appearance import Appearance
from portal.web.branding import PREVIEW_ONLY, theme_stylesheet


@pytest.mark.parametrize("value", ["#ABCDEF", " #abcdef "])
def test_hex_colours_are_normalised(value):
    assert parse_hex_colour(value) == "#abcdef"


@pytest.mark.parametrize(
    "value", ["abcdef", "#abc", "#abcdeg", "red", "#abcdef;}", "url(x)", "#ab\ncdef", "expression(1)", ""]
)
def test_anything_else_is_refused(value):
    with pytest.raises(InvalidColour):
        parse_hex_colour(value)


def test_contrast_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert readable_text_on("#1d3557") == "#ffffff"
    assert readable_text_on("#f4f4a1") == "#000000"


def test_theme_stylesheet_only_ever_carries_validated_colours():
    hostile = Appearance(1, 1, "x", "", "red;} body{background:url(//evil)}", "</style><script>", None, None)
    css = theme_stylesheet(hostile)
    assert "evil" not in css and "<" not in css and "url(" not in css
    assert "--brand-primary: #1f4e79;" in css


# What each brand colour must reach, and the colour suggested when it does not.

#: a lightness step (about two levels of a channel) that rounding to #rrggbb cannot blur
NEARER = 0.01
GRID = [f"#{r:02x}{g:02x}{b:02x}" for r in range(0, 256, 51) for g in range(0, 256, 51) for b in range(0, 256, 51)]


def test_a_primary_colour_links_cannot_be_read_in_is_refused_in_words_with_a_colour_that_passes():
    shortfall = LINK_TEXT.shortfall("#ffff66")
    assert shortfall is not None
    assert shortfall.message == (
        "#ffff66 on the grey page background is 1.0:1; links are body-size text and need at least 4.5:1. "
        f"Try {shortfall.suggestion}."
    )
    assert shortfall.suggestion and LINK_TEXT.met_by(shortfall.suggestion)


def test_the_worst_backdrop_is_the_one_named():
    assert LINK_TEXT.shortfall("#777777").backdrop == ON_CANVAS, "4.5:1 on white, less on the grey page"
    assert contrast_ratio("#777777", "#ffffff") >= 4.4 and not LINK_TEXT.met_by("#777777")
    assert ACCENT_MARKS.shortfall("#ffff66").message.startswith(
        "#ffff66 on white is 1.0:1; borders and highlights are graphics and need at least 3:1. Try #"
    )


@pytest.mark.parametrize("colour", ["#1d3557", "#0f766e", "#5b2a86", "#1f4e79", "#000000"])
def test_readable_colours_pass(colour):
    assert LINK_TEXT.shortfall(colour) is None and LINK_TEXT.met_by(colour)


@pytest.mark.parametrize("need", [LINK_TEXT, ACCENT_MARKS], ids=["links", "accent"])
def test_every_suggestion_passes_keeps_the_hue_and_is_the_nearest_lightness_that_does(need):
    for colour in GRID:
        shortfall = need.shortfall(colour)
        if shortfall is None:
            continue
        suggestion = shortfall.suggestion
        assert suggestion is not None and need.met_by(suggestion), colour
        hue, lightness, saturation = _hls(colour)
        new_hue, new_lightness, _ = _hls(suggestion)
        if saturation > 0.05:
            assert abs(hue - new_hue) < 0.02 or abs(hue - new_hue) > 0.98, (colour, suggestion)
        if abs(new_lightness - lightness) > NEARER:
            back = new_lightness - math.copysign(NEARER, new_lightness - lightness)
            closer = "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hls_to_rgb(hue, back, saturation))
            assert not need.met_by(closer), f"{closer} is nearer {colour} and passes too"


def test_text_on_a_brand_colour_always_reaches_body_text_contrast():
    """Why nothing checks the bar, buttons and badges: black or white on any colour reaches 4.5:1."""
    for colour in [*GRID, "#777777", "#767676", "#808080", "#ff0000", "#00ff00", "#0000ff"]:
        assert contrast_ratio(colour, readable_text_on(colour)) >= WCAG_AA_NORMAL_TEXT, colour


@pytest.mark.parametrize(("ratio", "shown"), [(4.49, "4.4:1"), (2.999, "2.9:1"), (21.0, "21.0:1"), (1.05, "1.0:1")])
def test_ratios_are_rounded_down_so_a_shortfall_never_reads_as_the_minimum(ratio, shown):
    assert ratio_text(ratio) == shown


def test_the_preview_stylesheet_only_reaches_inside_the_preview():
    css = theme_stylesheet(Appearance(1, 1, "x", "", "#0b6e4f", "#8a2be2", None, None), PREVIEW_ONLY)
    assert css.startswith(".brand-preview {") and "--brand-primary: #0b6e4f;" in css and ":root" not in css
    with pytest.raises(ValueError):
        theme_stylesheet(Appearance(1, 1, "x", "", "#0b6e4f", "#8a2be2", None, None), "body { } :root")


def _hls(colour: str) -> tuple[float, float, float]:
    return colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))
