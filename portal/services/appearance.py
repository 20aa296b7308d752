"""Saving an agent's portal branding: every save is a new version; reverting copies an old one."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.domain.colours import InvalidColour, contrast_ratio, parse_hex_colour
from portal.domain.errors import InputNotValid, NotFound
from portal.models import PortalAppearance, PortalLogo
from portal.persistence.unit_of_work import UnitOfWork
from portal.services.logos import CleanLogo

WHITE = "#ffffff"
TEXT_CONTRAST_AA = 4.5
GRAPHICS_CONTRAST_AA = 3.0
MAX_DISPLAY_NAME = 80
MAX_WELCOME = 500


@dataclass(frozen=True)
class AppearanceDraft:
    display_name: str
    welcome_text: str
    primary_color: str
    accent_color: str


@dataclass(frozen=True)
class CheckedAppearance:
    display_name: str
    welcome_text: str
    primary_color: str
    accent_color: str
    warnings: tuple[str, ...]


def _plain_text(value: str, limit: int, label: str, required: bool) -> str:
    text = " ".join((value or "").split()) if label == "Display name" else (value or "").strip()
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable())
    if required and not text:
        raise InputNotValid(f"{label} cannot be empty.")
    if len(text) > limit:
        raise InputNotValid(f"{label} is longer than {limit} characters.")
    return text


def check_appearance(draft: AppearanceDraft) -> CheckedAppearance:
    """Validate the draft; colours that are hard to read are warned about, not refused."""
    try:
        primary = parse_hex_colour(draft.primary_color)
        accent = parse_hex_colour(draft.accent_color)
    except InvalidColour as error:
        raise InputNotValid("Colours must look like #1d3557 (a # and six hexadecimal digits).") from error
    warnings = []
    if contrast_ratio(primary, WHITE) < TEXT_CONTRAST_AA:
        ratio = contrast_ratio(primary, WHITE)
        warnings.append(
            f"Links in the primary colour have a contrast of {ratio:.1f}:1 on white, below the 4.5:1 WCAG AA "
            "asks for text: choose a darker colour."
        )
    if contrast_ratio(accent, WHITE) < GRAPHICS_CONTRAST_AA:
        warnings.append("The accent colour is faint on white (below 3:1): borders and highlights may not show.")
    return CheckedAppearance(
        display_name=_plain_text(draft.display_name, MAX_DISPLAY_NAME, "Display name", required=True),
        welcome_text=_plain_text(draft.welcome_text, MAX_WELCOME, "Welcome text", required=False),
        primary_color=primary,
        accent_color=accent,
        warnings=tuple(warnings),
    )


def _next_version(uow: UnitOfWork, agent_id: int) -> tuple[int, PortalAppearance | None]:
    current = uow.session.scalar(
        sa.select(PortalAppearance)
        .where(PortalAppearance.agent_id == agent_id)
        .order_by(PortalAppearance.version.desc())
        .limit(1)
    )
    return (current.version + 1 if current else 1), current


def save_appearance(uow: UnitOfWork, agent_id: int, draft: AppearanceDraft, logo: CleanLogo | None) -> int:
    """Store a new version (the logo kept from the current one unless a new one is given); returns it."""
    checked = check_appearance(draft)
    with uow:
        version, current = _next_version(uow, agent_id)
        logo_id = current.logo_id if current else None
        if logo is not None:
            stored = PortalLogo(
                agent_id=agent_id, sha256=logo.sha256, media_type=logo.media_type, width=logo.width,
                height=logo.height, data=logo.data,
            )  # fmt: skip
            uow.session.add(stored)
            uow.flush()
            logo_id = stored.id
        uow.session.add(
            PortalAppearance(
                agent_id=agent_id, version=version, display_name=checked.display_name,
                welcome_text=checked.welcome_text, primary_color=checked.primary_color,
                accent_color=checked.accent_color, logo_id=logo_id, created_by=str(uow.actor),
            )
        )  # fmt: skip
        uow.commit()
    return version


def revert_appearance(uow: UnitOfWork, agent_id: int, version: int) -> int:
    """Make an earlier version current again, as a new version; returns it."""
    with uow:
        old = uow.session.scalar(
            sa.select(PortalAppearance).where(
                PortalAppearance.agent_id == agent_id, PortalAppearance.version == version
            )
        )
        if old is None:
            raise NotFound("There is no such version of the portal's appearance.")
        new_version, _ = _next_version(uow, agent_id)
        uow.session.add(
            PortalAppearance(
                agent_id=agent_id, version=new_version, display_name=old.display_name,
                welcome_text=old.welcome_text, primary_color=old.primary_color, accent_color=old.accent_color,
                logo_id=old.logo_id, created_by=str(uow.actor),
            )
        )  # fmt: skip
        uow.commit()
    return new_version
