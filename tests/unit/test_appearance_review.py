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


def test_a_faint_accent_is_refused_with_one_that_can_be_seen_and_a_good_draft_is_normalised():
    faint = review_appearance(AppearanceDraft("Northwind", "", "#1d3557", "#ffff66"))
    assert faint.checked is None and [refusal.field for refusal in faint.refusals] == ["accent_color"]
    assert faint.refusal_for("accent_color").startswith(
        "#ffff66 on white is 1.0:1; borders and highlights are graphics and need at least 3:1. Try #"
    )
    review = review_appearance(AppearanceDraft(" Northwind   Hub ", " Hi ", "#1D3557", "#C8553D"))
    assert review.refusals == ()
    assert review.checked is not None and review.checked.display_name == "Northwind Hub"
    assert review.checked.primary_color == "#1d3557" and review.checked.welcome_text == "Hi"
    assert review.checked.accent_color == "#c8553d"


def test_the_save_command_refuses_links_that_cannot_be_read():
    with pytest.raises(InputNotValid) as refused:
        SaveAppearance(idempotency_key="a" * 32, agent_id=1, draft=AppearanceDraft("N", "", "#ffff66", "#112233"))
    assert refused.value.field == "primary_color" and "Try #" in refused.value.message
    assert check_appearance(AppearanceDraft("N", "", "#757500", "#112233")).primary_color == "#757500"
