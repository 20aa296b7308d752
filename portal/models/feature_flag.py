"""Feature flags: on/off, a sticky rollout percentage by agent, an allow-list."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, JSONDocument, UTCDateTime, utcnow


class FeatureFlag(Base):
    """A named switch; changes are audited."""

    __tablename__ = "feature_flag"
    __audited__ = True
    __table_args__ = (
        sa.CheckConstraint(
            "rollout_percentage >= 0 AND rollout_percentage <= 100",
            name="rollout_is_a_percentage",
        ),
    )

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    description: Mapped[str] = mapped_column(sa.String(300), default="")
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    rollout_percentage: Mapped[int] = mapped_column(sa.Integer, default=100)
    allow_list: Mapped[list] = mapped_column(JSONDocument, default=list)
    #: Agents (slugs) the flag is off for whatever the percentage and the allow-list say.
    deny_list: Mapped[list | None] = mapped_column(JSONDocument, default=list)
    #: Why the flag is as it is (shown on the kill switch's banner), from the change that made it so.
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(120), default="system")
