"""What happened: the agent's notifications, the audit trail, settings (masked) and feature flags."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints

from portal.api.schemas.common import FILTER, Day, PageOf, PageQuery
from portal.read.audit import AuditRow
from portal.read.notifications import NotificationRow
from portal.security.secure_settings import SettingView

Filter = Annotated[str, StringConstraints(max_length=120, pattern=FILTER)]


class Notification(BaseModel):
    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: NotificationRow) -> Notification:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


class NotificationPage(PageOf[Notification]):
    pass


class MarkedRead(BaseModel):
    changed: int


class AuditEvent(BaseModel):
    """One change: who, what, before and after (secrets never, personal data masked), and why."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    command: str | None
    correlation_id: str
    request_ip: str | None

    @classmethod
    def of(cls, row: AuditRow) -> AuditEvent:
        return cls(**{name: getattr(row, name) for name in cls.model_fields})


class AuditPage(PageOf[AuditEvent]):
    pass


class AuditQuery(PageQuery):
    entity_type: Filter = ""
    entity_id: Filter = ""
    actor: Filter = ""
    action: Filter = ""
    correlation_id: Filter = ""
    since: Day | None = None
    until: Day | None = None


class Setting(BaseModel):
    """A setting's name and shown value: a secret is only ever ``••••••`` or ``not set``."""

    name: str
    label: str
    kind: str
    secret: bool
    is_set: bool
    value: str
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, view: SettingView) -> Setting:
        return cls(name=view.name, label=view.label, kind=view.kind, secret=view.secret, is_set=view.is_set,
                   value=view.display, updated_at=view.updated_at, updated_by=view.updated_by)  # fmt: skip


class SettingList(BaseModel):
    items: list[Setting]


class FeatureFlag(BaseModel):
    name: str
    description: str
    enabled: bool
    rollout_percentage: int
    allow_list: list[str]
    updated_at: datetime
    updated_by: str


class FeatureFlagList(BaseModel):
    items: list[FeatureFlag]
