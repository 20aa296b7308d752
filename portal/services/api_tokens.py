"""Making and revoking API tokens; finding the live token a request carries.

The secret is made by whoever asks for the token (the dashboard, the CLI) and
handed to the command as a secret field: the command stores its SHA-256 and a
short prefix, the result carries neither, so no stored idempotency record holds
it. A replayed request therefore has no secret to show: it was shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.commands.base import PERMISSION, SECRET, Command, CommandResult, require_id
from portal.domain import errors
from portal.domain.text import one_line
from portal.models import Agent, ApiToken
from portal.models.agent import AgentStatus
from portal.models.api_token import SCOPES, ApiScope
from portal.models.base import column_length
from portal.models.user import ROLES, Role
from portal.persistence.protocols import UnitOfWork

#: Every secret starts so, which makes a leaked one easy to recognise (secret scanners, logs).
TOKEN_PREFIX = "apt_"
MAX_DAYS = 366
DEFAULT_DAYS = 90
#: ``last_used_at`` moves at most this often: bookkeeping, not one write per request.
TOUCH_INTERVAL = timedelta(minutes=1)
MADE_BY_SENDER = MappingProxyType({**SECRET, **PERMISSION})


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ApiTokenChanged(CommandResult):
    token_id: int
    name: str
    prefix: str
    scope: str
    owner: str
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class CreateApiToken(Command[ApiTokenChanged]):
    """A token for an integration: a staff role's, or one agent's (never ``admin`` for an agent)."""

    name = "create_api_token"
    result_type = ApiTokenChanged

    token_name: str
    scope: str
    owner_role: str
    agent_id: int | None = None
    days: int = DEFAULT_DAYS
    #: Made fresh by every sender, so not part of what was asked: the same form sent again replays (and shows
    #: no secret), never makes a second token.
    secret: str = field(metadata=MADE_BY_SENDER)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("token_name", one_line(self.token_name, column_length(ApiToken.name), "The token's name", "name"))
        if self.scope not in SCOPES:
            raise errors.InputNotValid("Choose read, write or admin.", "scope")
        if self.owner_role not in ROLES:
            raise errors.InputNotValid("Choose the role the token acts as, or an agent.", "owner_role")
        if self.owner_role == Role.AGENT:
            require_id(self.agent_id, "agent")
            if self.scope == ApiScope.ADMIN:
                raise errors.InputNotValid("An agent's token can read and write, not administer.", "scope")
        elif self.agent_id is not None:
            raise errors.InputNotValid("A staff role's token belongs to no agent.", "agent_id")
        if not isinstance(self.days, int) or isinstance(self.days, bool) or not 1 <= self.days <= MAX_DAYS:
            raise errors.InputNotValid(f"A token lasts from 1 to {MAX_DAYS} days.", "days")
        if not isinstance(self.secret, str) or not self.secret.startswith(TOKEN_PREFIX) or len(self.secret) < 40:
            raise errors.InputNotValid("The token's secret must come from new_secret().", "secret")


@dataclass(frozen=True, kw_only=True)
class RevokeApiToken(Command[ApiTokenChanged]):
    """End a token for good: the next request that carries it is refused."""

    name = "revoke_api_token"
    result_type = ApiTokenChanged

    token_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.token_id, "API token")


def create_api_token(uow: UnitOfWork, command: CreateApiToken) -> ApiTokenChanged:
    if command.agent_id is not None:
        uow.agents.require(command.agent_id)
    token = uow.api_tokens.add(
        ApiToken(
            name=command.token_name, token_hash=secret_hash(command.secret),
            prefix=command.secret[: len(TOKEN_PREFIX) + 6], scope=command.scope, owner_role=command.owner_role,
            agent_id=command.agent_id, created_by=str(uow.actor), expires_at=uow.now + timedelta(days=command.days),
        )
    )  # fmt: skip
    uow.flush()
    return _changed(token)


def revoke_api_token(uow: UnitOfWork, command: RevokeApiToken) -> ApiTokenChanged:
    token = uow.api_tokens.require(command.token_id)
    if token.revoked_at is None:
        token.revoked_at = uow.now
        uow.flush()
    return _changed(token)


def _changed(token: ApiToken) -> ApiTokenChanged:
    return ApiTokenChanged(
        replayed=False, token_id=token.id, name=token.name, prefix=token.prefix, scope=token.scope,
        owner=token.owner, expires_at=token.expires_at.isoformat(),
    )  # fmt: skip


def live_token(session: Session, secret: str, now: datetime) -> ApiToken | None:
    """The token ``secret`` opens: not revoked, not expired, and its agent (if any) active."""
    row = session.execute(
        sa.select(ApiToken, Agent.status)
        .outerjoin(Agent, Agent.id == ApiToken.agent_id)
        .where(ApiToken.token_hash == secret_hash(secret))
    ).first()
    if row is None or not row.ApiToken.is_live(now):
        return None
    if row.ApiToken.owner_role == Role.AGENT and row.status != AgentStatus.ACTIVE:
        return None
    return row.ApiToken


def mark_token_used(session: Session, token: ApiToken, now: datetime) -> None:
    """Move the token's last use to ``now`` when it is older than a minute (outside any unit of work)."""
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return
    session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    session.commit()
