"""Feature flags, read: on/off, an allow-list, and a rollout percentage that is sticky per agent."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from portal.models import FeatureFlag

AGENT_PORTAL = "agent_portal"


def rollout_bucket(flag: str, key: str) -> int:
    """0–99, the same for the same flag and agent every time."""
    return int.from_bytes(hashlib.sha256(f"{flag}:{key}".encode()).digest()[:4], "big") % 100


def enabled_for(session: Session, flag: str, agent_slug: str, default: bool = True) -> bool:
    """Whether ``flag`` is on for the agent; a flag never stored keeps its default."""
    row = session.get(FeatureFlag, flag)
    if row is None:
        return default
    if not row.enabled:
        return False
    if agent_slug in (row.allow_list or []):
        return True
    return rollout_bucket(flag, agent_slug) < row.rollout_percentage
