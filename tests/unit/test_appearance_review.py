"""A draft of a portal's branding is judged the same way by the save, the live preview and a revert."""

import pytest

from portal.domain.errors import InputNotValid
from portal.services.appearance import AppearanceDraft, SaveAppearance, check_appearance, review_appearance


def test_every_field_refused_is_named_at_once():
    review = review_appearance(AppearanceDraft("  ", "", "#ffff66", "red"))
    assert review.checked is None
    assert [refusal.field for refusal in review.refusals] == ["display_name", "primary_color", "accent_color"]
    assert review.refusal_for("display_name") == "Display name cannot be empty."
    assert review.refusal_for("primary_color").startswith("#ffff66 on the grey page background is 1.0:1")
    assert review.refusal_for("accent_color") == "Colours must look like #1d3557 (a # and six hexadecimal digits)."
    assert review.refusal_for("welcome_text") is None


def test_a_faint_accent_is_advice_and_the_draft_is_normalised():
    review = review_appearance(AppearanceDraft(" Northwind   Hub ", " Hi ", "#1D3557", "#FFF5CC"))
    assert review.refusals == ()
    assert review.checked is not None and review.checked.display_name == "Northwind Hub"
    assert review.checked.primary_color == "#1d3557" and review.checked.welcome_text == "Hi"
    assert review.warnings["accent_color"].endswith("It can be saved as it is, but may be hard to see.")


def test_the_save_command_refuses_links_that_cannot_be_read():
    with pytest.raises(InputNotValid) as refused:
        SaveAppearance(idempotency_key="a" * 32, agent_id=1, draft=AppearanceDraft("N", "", "#ffff66", "#112233"))
    assert refused.value.field == "primary_color" and "Try #" in refused.value.message
    assert check_appearance(AppearanceDraft("N", "", "#757500", "#112233")).primary_color == "#757500"
