"""What a name, a reason or a phone number may be: bidi controls, lengths, E.164."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.commands.base import Command, CommandResult
from portal.domain import errors
from portal.domain.phones import is_known_region, readable, to_e164
from portal.domain.text import BIDI_CONTROLS, one_line, refuse_control_characters, within, without_bidi_controls
from portal.services.accounts import ChangePassword
from portal.services.agents import CreateAgent
from portal.services.appearance import AppearanceDraft, SaveAppearance

RLO = "\u202e"


def test_the_bidi_controls_are_the_embeddings_overrides_isolates_and_marks():
    assert {f"U+{ord(ch):04X}" for ch in BIDI_CONTROLS} == {
        "U+061C", "U+200E", "U+200F", "U+202A", "U+202B", "U+202C", "U+202D", "U+202E",
        "U+2066", "U+2067", "U+2068", "U+2069",
    }  # fmt: skip


@given(st.text())
def test_without_bidi_controls_drops_those_and_nothing_else(text):
    cleaned = without_bidi_controls(text)
    assert not set(cleaned) & BIDI_CONTROLS
    assert cleaned == "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def test_right_to_left_scripts_are_not_controls():
    assert without_bidi_controls("שלום وكالة") == "שלום وكالة"


def test_within_names_both_lengths_and_the_field():
    assert within("x" * 5, 5, "The name", "name") == "xxxxx"
    with pytest.raises(errors.InputNotValid) as refused:
        within("x" * 6, 5, "The name", "name")
    assert (refused.value.message, refused.value.field) == (
        "The name can have at most 5 characters; this has 6.",
        "name",
    )
    with pytest.raises(errors.ReasonRequired, match="at most 1,000 characters; this has 1,001"):
        within("x" * 1001, 1000, "The reason", "reason", refusal=errors.ReasonRequired)


def test_one_line_collapses_spaces_and_refuses_empty_and_control_characters():
    assert one_line("  Harbour    Agency ", 20, "The agent's name", "name") == "Harbour Agency"
    with pytest.raises(errors.InputNotValid) as refused:
        one_line("   ", 20, "The agent's name", "name")
    assert refused.value.message == "Enter the agent's name."
    with pytest.raises(errors.InputNotValid, match="cannot contain line breaks"):
        one_line("Bluebird\r\nBcc: x@evil.example", 200, "The agent's name", "name")
    with pytest.raises(errors.InputNotValid, match="at most 7 characters; this has 8"):
        one_line("12345678", 7, "The name", "name")


@pytest.mark.parametrize("character", ["\x00", "\x1f", "\x7f", "\n", "\x85", "\u2028", "\u2029"])
def test_control_characters_are_refused(character):
    with pytest.raises(errors.InputNotValid):
        refuse_control_characters(f"a{character}b", "The name", "name")
    refuse_control_characters("a b\u00e9", "The name", "name")


def test_a_command_drops_bidi_controls_from_its_text_before_checking_it():
    command = CreateAgent(
        idempotency_key="k", slug=f"mirror{RLO}", agent_name=f"evil{RLO}", email=f"a{RLO}@b.example",
        commission_rate_bps=1, currency="EUR",
    )  # fmt: skip
    assert (command.slug, command.agent_name, command.email) == ("mirror", "evil", "a@b.example")


@dataclasses.dataclass(frozen=True)
class Note:
    text: str
    count: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class Annotate(Command[CommandResult]):
    name = "annotate"
    result_type = CommandResult

    note: Note
    kind: type = Note


def test_a_command_drops_them_from_a_value_it_carries():
    command = Annotate(idempotency_key="k", note=Note(f"evil{RLO}", 3))
    assert command.note == Note("evil", 3)
    assert command.kind is Note, "a class is not a value to clean"


def test_the_appearance_draft_carries_no_bidi_controls():
    draft = AppearanceDraft(f"Name{RLO}", f"Hello{RLO}", "#1d3557", "#e63946")
    command = SaveAppearance(idempotency_key="k", agent_id=1, draft=draft)
    assert dataclasses.astuple(command.draft)[:2] == ("Name", "Hello")


def test_a_secret_is_never_altered():
    command = ChangePassword(idempotency_key="k", user_id=1, current=f"old{RLO}password", new=f"new{RLO}password!")
    assert command.current == f"old{RLO}password" and command.new == f"new{RLO}password!"


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("+44 20 7946 0958", None, "+442079460958"),
        ("+1 (415) 555-0199", None, "+14155550199"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("(415) 555-0199", "US", "+14155550199"),
        ("+49 30 901820", "US", "+4930901820"),
    ],
)
def test_a_phone_number_is_stored_in_e164(typed, region, stored):
    assert to_e164(typed, region) == stored


@pytest.mark.parametrize(
    ("typed", "region", "message"),
    [
        ("call me maybe", None, "Enter the phone number with its country code, such as +44 20 7946 0958."),
        ("020 7946 0958", None, "Enter the phone number with its country code"),
        ("call me maybe", "GB", "Enter a phone number, such as +44 20 7946 0958."),
        ("+44 12", None, "+44 12 is not a valid phone number"),
        ("+1 555 0100", None, "is not a valid phone number"),
        ("+44 20 7946 0958 ext. 12", None, "An extension cannot be kept: enter the number without it."),
        ("020 7946 0958 x 7", "GB", "An extension cannot be kept"),
    ],
)
def test_a_phone_number_that_is_not_one_is_refused_at_its_field(typed, region, message):
    with pytest.raises(errors.InputNotValid) as refused:
        to_e164(typed, region, "phone")
    assert message in refused.value.message and refused.value.field == "phone"


def test_a_number_reads_back_as_people_write_it():
    assert readable("+442079460958") == "+44 20 7946 0958"
    assert readable("not a number") == "not a number"


def test_regions_are_libphonenumbers():
    assert is_known_region("GB") and is_known_region("US")
    assert not is_known_region("UK") and not is_known_region("")
