"""API tokens as the dashboard and the CLI list them: never the secret, which is not kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Agent, ApiToken


@dataclass(frozen=True)
class ApiTokenRow:
    id: int
    name: str
    prefix: str
    scope: str
    owner: str
    agent_name: str | None
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        """``live``, ``revoked`` or ``expired``."""
        if self.revoked_at is not None:
            return "revoked"
        return "live" if now < self.expires_at else "expired"


#: The token list shows this many, newest first: tokens are made by hand, a handful per integration.
MAX_LISTED = 200


class ApiTokenReadRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def newest(self) -> list[ApiTokenRow]:
        rows = self.session.execute(
            sa.select(ApiToken, Agent.name.label("agent_name"))
            .outerjoin(Agent, Agent.id == ApiToken.agent_id)
            .order_by(ApiToken.id.desc())
            .limit(MAX_LISTED)
        ).all()
        return [_row(token, agent_name) for token, agent_name in rows]

    def by_id(self, token_id: int) -> ApiTokenRow | None:
        query = sa.select(ApiToken, Agent.name).outerjoin(Agent, Agent.id == ApiToken.agent_id)
        row = self.session.execute(query.where(ApiToken.id == token_id)).first()
        return _row(*row) if row else None


def _row(token: ApiToken, agent_name: str | None) -> ApiTokenRow:
    return ApiTokenRow(
        id=token.id, name=token.name, prefix=token.prefix, scope=token.scope, owner=token.owner,
        agent_name=agent_name, created_by=token.created_by, created_at=token.created_at,
        expires_at=token.expires_at, revoked_at=token.revoked_at, last_used_at=token.last_used_at,
    )  # fmt: skip
