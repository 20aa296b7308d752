"""``/notifications`` (an agent's), ``/audit-events``, ``/settings`` (masked, never revealed), ``/feature-flags``."""

from datetime import date

import sqlalchemy as sa
from flask import abort

from portal import data_access
from portal.api.blueprint import bp
from portal.api.idempotency import IdempotencyHeaders, answer, command_key, idempotent
from portal.api.openapi import ALWAYS, CHANGES, LISTED, operation
from portal.api.pages import listing, page_request
from portal.api.principal import allow, own_agent, principal
from portal.api.problems import problem
from portal.api.running import run
from portal.api.schemas.activity import (
    AuditEvent,
    AuditPage,
    AuditQuery,
    FeatureFlag,
    FeatureFlagList,
    MarkedRead,
    Notification,
    NotificationPage,
    Setting,
    SettingList,
)  # fmt: skip
from portal.api.schemas.common import PageQuery
from portal.extensions import db
from portal.models import FeatureFlag as FeatureFlagRow
from portal.models.api_token import ApiScope
from portal.read.audit import AuditFilters
from portal.security.secure_settings import secure_settings
from portal.services.notifications import MarkNotificationsRead


def _agents_only() -> None:
    if not principal().is_agent:
        abort(problem(403, "Notifications belong to an agent: use the agent's own token.", slug="agent-only"))


@bp.get("/notifications")
@operation("notifications", {"HTTP_200": NotificationPage}, LISTED, query=PageQuery)
@allow(ApiScope.READ, agents=True)
def list_notifications(query: PageQuery):
    """The agent's notifications, newest first."""
    _agents_only()
    return listing(data_access.agent_notifications(own_agent(), page_request(query)), Notification.of)


@bp.post("/notifications/<int:notification_id>/read")
@operation("notifications", {"HTTP_200": MarkedRead}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.WRITE, agents=True)
@idempotent
def mark_notification_read(notification_id: int):
    """Mark one notification read (another agent's is not found)."""
    _agents_only()
    result = run(MarkNotificationsRead(idempotency_key=command_key(), agent_id=own_agent().id,
                                       notification_id=notification_id))  # fmt: skip
    return answer(MarkedRead(changed=result.changed), replayed=result.replayed)


@bp.post("/notifications/read")
@operation("notifications", {"HTTP_200": MarkedRead}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.WRITE, agents=True)
@idempotent
def mark_all_notifications_read():
    """Mark every notification of the agent read."""
    _agents_only()
    result = run(MarkNotificationsRead(idempotency_key=command_key(), agent_id=own_agent().id))
    return answer(MarkedRead(changed=result.changed), replayed=result.replayed)


@bp.get("/audit-events")
@operation("audit", {"HTTP_200": AuditPage}, LISTED, query=AuditQuery)
@allow(ApiScope.READ, "read")
def list_audit_events(query: AuditQuery):
    """The audit trail, newest first, by entity, actor, action, correlation id or days (UTC)."""
    filters = AuditFilters(
        entity_type=query.entity_type, entity_id=query.entity_id, actor=query.actor, action=query.action,
        correlation_id=query.correlation_id, since=_clamped(query.since), until=_clamped(query.until),
    )  # fmt: skip
    return listing(data_access.audit_events(page_request(query), filters), AuditEvent.of)


def _clamped(day: date | None) -> date | None:
    """A day the database can compare with: years 1 to 9998 (so the day after ``until`` still exists)."""
    if day is None:
        return None
    return min(max(day, date(1, 1, 2)), date(9998, 12, 31))


@bp.get("/settings")
@operation("configuration", {"HTTP_200": SettingList}, ALWAYS)
@allow(ApiScope.READ, "settings.read")
def list_settings():
    """Every setting's name and shown value; a secret shows only whether it is set (no reveal over the API)."""
    return answer(SettingList(items=[Setting.of(view) for view in secure_settings().views(db.session())]))


@bp.get("/feature-flags")
@operation("configuration", {"HTTP_200": FeatureFlagList}, ALWAYS)
@allow(ApiScope.READ, "read")
def list_feature_flags():
    """Every stored flag and its state."""
    rows = db.session.scalars(sa.select(FeatureFlagRow).order_by(FeatureFlagRow.name))
    flags = [FeatureFlag(name=row.name, description=row.description, enabled=row.enabled,
                         rollout_percentage=row.rollout_percentage, allow_list=list(row.allow_list or []),
                         updated_at=row.updated_at, updated_by=row.updated_by) for row in rows]  # fmt: skip
    return answer(FeatureFlagList(items=flags))
