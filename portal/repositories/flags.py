"""Feature flag rows inside a unit of work."""

from __future__ import annotations

from portal.models import FeatureFlag
from portal.repositories.base import Repository


class FlagRepository(Repository[FeatureFlag]):
    model = FeatureFlag
    noun = "flag"
