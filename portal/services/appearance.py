"""Saving an agent's portal branding: every save is a new version; reverting copies an old one.

A draft is reviewed the same way wherever it comes from (the save, the live preview,
an old version brought back): every field it refuses is named with a message to show
next to that field, and a primary colour that links cannot be read in is refused,
with a colour of the same hue that can. A faint accent is only advised against.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.commands.base import Command, CommandResult, require_id
from portal.domain.colours import ACCENT_MARKS, FORMAT_HINT, LINK_TEXT, ContrastNeed, InvalidColour, parse_hex_colour
from portal.domain.errors import InputNotValid, NotFound
from portal.domain.text import within
from portal.models import PortalAppearance, PortalLogo
from portal.models.base import column_length
from portal.persistence.protocols import UnitOfWork
from portal.services.logos import CleanLogo

MAX_DISPLAY_NAME = column_length(PortalAppearance.display_name)
MAX_WELCOME = column_length(PortalAppearance.welcome_text)


@dataclass(frozen=True)
class AppearanceDraft:
    display_name: str
    welcome_text: str
    primary_color: str
    accent_color: str


@dataclass(frozen=True)
class CheckedAppearance:
    """A draft that may be saved, normalised."""

    display_name: str
    welcome_text: str
    primary_color: str
    accent_color: str


@dataclass(frozen=True)
class AppearanceReview:
    """A draft judged, saving nothing: the values to save, or every refusal (each names its field); advice too."""

    checked: CheckedAppearance | None
    refusals: tuple[InputNotValid, ...]

    def refusal_for(self, field: str) -> str | None:
        """The message to show next to ``field``, or None."""
        return next((refusal.message for refusal in self.refusals if refusal.field == field), None)


def _plain_text(value: str, limit: int, label: str, field: str, *, single_line: bool) -> str:
    text = " ".join((value or "").split()) if single_line else (value or "").strip()
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable())
    if single_line and not text:
        raise InputNotValid(f"{label} cannot be empty.", field)
    return within(text, limit, label, field)


def _colour(value: str, field: str) -> str:
    try:
        return parse_hex_colour(value)
    except InvalidColour as error:
        raise InputNotValid(FORMAT_HINT, field) from error


def _readable_colour(value: str, field: str, need: ContrastNeed) -> str:
    """A colour reaching the contrast its use needs on every backdrop, or its refusal with a nearby one that does."""
    colour = _colour(value, field)
    shortfall = need.shortfall(colour)
    if shortfall is not None:
        raise InputNotValid(shortfall.message, field)
    return colour


def review_appearance(draft: AppearanceDraft) -> AppearanceReview:
    """Every field of ``draft`` checked, so a form can show each refusal next to its field at once."""
    refusals: list[InputNotValid] = []
    checks = {
        "display_name": lambda: _plain_text(
            draft.display_name, MAX_DISPLAY_NAME, "Display name", "display_name", single_line=True
        ),
        "welcome_text": lambda: _plain_text(
            draft.welcome_text, MAX_WELCOME, "Welcome text", "welcome_text", single_line=False
        ),
        "primary_color": lambda: _readable_colour(draft.primary_color, "primary_color", LINK_TEXT),
        "accent_color": lambda: _readable_colour(draft.accent_color, "accent_color", ACCENT_MARKS),
    }
    values: dict[str, str] = {}
    for field, check in checks.items():
        try:
            values[field] = check()
        except InputNotValid as refusal:
            refusals.append(refusal)
    checked = None if refusals else CheckedAppearance(**values)
    return AppearanceReview(checked, tuple(refusals))


def check_appearance(draft: AppearanceDraft) -> CheckedAppearance:
    """The draft normalised, or the refusal of its first field that cannot be saved."""
    review = review_appearance(draft)
    if review.checked is None:
        raise review.refusals[0]
    return review.checked


@dataclass(frozen=True)
class AppearanceSaved(CommandResult):
    agent_id: int
    version: int


@dataclass(frozen=True, kw_only=True)
class SaveAppearance(Command[AppearanceSaved]):
    """A new version of the portal's branding; the logo is kept from the current one unless a new one is given."""

    name = "save_appearance"
    result_type = AppearanceSaved

    agent_id: int
    draft: AppearanceDraft
    logo: CleanLogo | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        checked = check_appearance(self.draft)
        self._set("draft", AppearanceDraft(checked.display_name, checked.welcome_text, checked.primary_color,
                                           checked.accent_color))  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class RevertAppearance(Command[AppearanceSaved]):
    """Make an earlier version current again, as a new version."""

    name = "revert_appearance"
    result_type = AppearanceSaved

    agent_id: int
    version: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")
        require_id(self.version, "version of the portal's appearance")


def save_appearance(uow: UnitOfWork, command: SaveAppearance) -> AppearanceSaved:
    current = uow.appearances.current(command.agent_id)
    logo_id = current.logo_id if current else None
    if command.logo is not None:
        logo = command.logo
        stored = uow.appearances.add_logo(
            PortalLogo(
                agent_id=command.agent_id, sha256=logo.sha256, media_type=logo.media_type, width=logo.width,
                height=logo.height, data=logo.data,
            )
        )  # fmt: skip
        uow.flush()
        logo_id = stored.id
    draft = command.draft
    return _add_version(
        uow, current,
        PortalAppearance(
            agent_id=command.agent_id, display_name=draft.display_name, welcome_text=draft.welcome_text,
            primary_color=draft.primary_color, accent_color=draft.accent_color, logo_id=logo_id,
        ),
    )  # fmt: skip


def revert_appearance(uow: UnitOfWork, command: RevertAppearance) -> AppearanceSaved:
    old = uow.appearances.version(command.agent_id, command.version)
    if old is None:
        raise NotFound("There is no such version of the portal's appearance.")
    refusals = review_appearance(
        AppearanceDraft(old.display_name, old.welcome_text, old.primary_color, old.accent_color)
    ).refusals
    if refusals:
        # Saved before today's rules: bringing it back must not bring back colours links cannot be read in.
        raise InputNotValid(f"Version {old.version} cannot come back as it is: {refusals[0].message}", "version")
    return _add_version(
        uow, uow.appearances.current(command.agent_id),
        PortalAppearance(
            agent_id=command.agent_id, display_name=old.display_name, welcome_text=old.welcome_text,
            primary_color=old.primary_color, accent_color=old.accent_color, logo_id=old.logo_id,
        ),
    )  # fmt: skip


def _add_version(uow: UnitOfWork, current: PortalAppearance | None, new: PortalAppearance) -> AppearanceSaved:
    """Versions are never edited: the new one follows the current; two saves at once cannot share a number."""
    new.version = current.version + 1 if current else 1
    new.created_by = str(uow.actor)
    new.created_at = uow.now
    uow.appearances.add(new)
    uow.flush()
    return AppearanceSaved(replayed=False, agent_id=new.agent_id, version=new.version)
