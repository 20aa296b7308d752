"""Operator settings inside a unit of work."""

from __future__ import annotations

from portal.models import Setting
from portal.repositories.base import Repository


class SettingsRepository(Repository[Setting]):
    """Reads and stores settings rows; encryption happens in the settings service."""

    model = Setting

    def put(self, setting: Setting) -> Setting:
        """Add ``setting`` or replace the stored row of the same name."""
        return self.session.merge(setting)
