"""An agent's portal branding as the portal reads it: the current version, the saved ones, the logos."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import PortalAppearance, PortalLogo
from portal.models.agent import DEFAULT_ACCENT, DEFAULT_PRIMARY


@dataclass(frozen=True)
class Appearance:
    """One version of a portal's branding (version 0: the house style, before the first save)."""

    agent_id: int
    version: int
    display_name: str
    welcome_text: str
    primary_color: str
    accent_color: str
    logo_id: int | None
    created_at: datetime | None

    @classmethod
    def default(cls, agent_id: int, display_name: str) -> Appearance:
        """The house style, named after the agent."""
        return cls(agent_id, 0, display_name, "", DEFAULT_PRIMARY, DEFAULT_ACCENT, None, None)

    def with_colours(self, primary: str, accent: str) -> Appearance:
        """The same branding in other colours (a preview; nothing is saved)."""
        return replace(self, primary_color=primary, accent_color=accent)


@dataclass(frozen=True)
class Logo:
    """A stored logo, ready to serve."""

    media_type: str
    data: bytes
    sha256: str


def _appearance(row: PortalAppearance) -> Appearance:
    return Appearance(
        agent_id=row.agent_id,
        version=row.version,
        display_name=row.display_name,
        welcome_text=row.welcome_text,
        primary_color=row.primary_color,
        accent_color=row.accent_color,
        logo_id=row.logo_id,
        created_at=row.created_at,
    )


class PortalAppearanceReadRepository:
    """The current branding of a portal and its saved versions."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self, agent_id: int) -> Appearance | None:
        """The latest saved version, or None before the first save."""
        row = self.session.scalar(
            sa.select(PortalAppearance)
            .where(PortalAppearance.agent_id == agent_id)
            .order_by(PortalAppearance.version.desc())
            .limit(1)
        )
        return _appearance(row) if row else None

    def history(self, agent_id: int) -> list[Appearance]:
        """Every saved version, newest first."""
        rows = self.session.scalars(
            sa.select(PortalAppearance)
            .where(PortalAppearance.agent_id == agent_id)
            .order_by(PortalAppearance.version.desc())
        )
        return [_appearance(row) for row in rows]

    def logo(self, agent_id: int, logo_id: int) -> Logo | None:
        """One of the agent's logos; another agent's is not found."""
        row = self.session.execute(
            sa.select(PortalLogo.media_type, PortalLogo.data, PortalLogo.sha256).where(
                PortalLogo.id == logo_id, PortalLogo.agent_id == agent_id
            )
        ).first()
        return Logo(row.media_type, row.data, row.sha256) if row else None
