import pytest

from portal.domain.colours import InvalidColour, contrast_ratio, parse_hex_colour, readable_text_on
from portal.read.appearance import Appearance
from portal.web.branding import theme_stylesheet


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
