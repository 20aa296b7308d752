"""Versions of an agent's portal branding, and its logos, inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import PortalAppearance, PortalLogo
from portal.repositories.base import Repository


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
