"""Reading an agent's portal branding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import PortalAppearance, PortalLogo
from portal.repositories.base import Repository

DEFAULT_PRIMARY = "#1f4e79"
DEFAULT_ACCENT = "#c8553d"


@dataclass(frozen=True)
class Appearance:
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
        return cls(agent_id, 0, display_name, "", DEFAULT_PRIMARY, DEFAULT_ACCENT, None, None)


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
        row = self.session.scalar(
            sa.select(PortalAppearance)
            .where(PortalAppearance.agent_id == agent_id)
            .order_by(PortalAppearance.version.desc())
            .limit(1)
        )
        return _appearance(row) if row else None

    def history(self, agent_id: int) -> list[Appearance]:
        rows = self.session.scalars(
            sa.select(PortalAppearance)
            .where(PortalAppearance.agent_id == agent_id)
            .order_by(PortalAppearance.version.desc())
        )
        return [_appearance(row) for row in rows]

    def logo(self, agent_id: int, logo_id: int) -> tuple[str, bytes, str] | None:
        """(media type, bytes, sha256) of one of the agent's logos."""
        row = self.session.execute(
            sa.select(PortalLogo.media_type, PortalLogo.data, PortalLogo.sha256).where(
                PortalLogo.id == logo_id, PortalLogo.agent_id == agent_id
            )
        ).first()
        return tuple(row) if row else None


class AppearanceRepository(Repository[PortalAppearance]):
    """Versions of an agent's branding, and its logos; never commits."""

    model = PortalAppearance

    def current(self, agent_id: int) -> PortalAppearance | None:
        return self.session.scalar(
            sa.select(PortalAppearance)
            .where(PortalAppearance.agent_id == agent_id)
            .order_by(PortalAppearance.version.desc())
            .limit(1)
        )

    def version(self, agent_id: int, version: int) -> PortalAppearance | None:
        return self.session.scalar(
            sa.select(PortalAppearance).where(
                PortalAppearance.agent_id == agent_id, PortalAppearance.version == version
            )
        )

    def add_logo(self, logo: PortalLogo) -> PortalLogo:
        self.session.add(logo)
        return logo
