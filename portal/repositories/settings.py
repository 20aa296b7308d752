"""Operator settings inside a unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Setting


class SettingsRepository:
    """Reads and stores settings rows; encryption happens in the settings service."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> Setting | None:
        return self.session.get(Setting, name)

    def all(self) -> list[Setting]:
        return list(self.session.scalars(sa.select(Setting).order_by(Setting.name)))

    def put(self, setting: Setting) -> Setting:
        """Add ``setting`` or replace the stored row of the same name."""
        return self.session.merge(setting)
