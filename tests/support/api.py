"""API tokens for tests, made through the same command as the dashboard and the CLI; bearer headers."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from portal.models import ApiToken
from portal.models.base import utcnow
from portal.persistence.context import Actor, CommandContext
from portal.services.api_tokens import CreateApiToken, RevokeApiToken, new_secret, secret_hash
from portal.services.running import command_runner

_keys = itertools.count(1)


def make_token(app: Flask, session, role: str = "admin", scope: str = "admin", agent_id: int | None = None) -> str:
    """A live token's secret."""
    secret = new_secret()
    with app.app_context():
        command_runner(app, session, CommandContext(Actor.system("test"))).run(CreateApiToken(
            idempotency_key=f"test-token-{next(_keys)}", token_name=f"test {role} {scope}", scope=scope,
            owner_role=role, agent_id=agent_id, secret=secret,
        ))  # fmt: skip
    return secret


def token_id(session, secret: str) -> int:
    return session.scalar(sa.select(ApiToken.id).where(ApiToken.token_hash == secret_hash(secret)))


def revoke(app: Flask, session, secret: str) -> None:
    with app.app_context():
        command_runner(app, session, CommandContext(Actor.system("test"))).run(
            RevokeApiToken(idempotency_key=f"test-revoke-{next(_keys)}", token_id=token_id(session, secret))
        )


def expire(session, secret: str) -> None:
    """Move the token's expiry into the past (a test's shortcut for waiting: not a command)."""
    session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id(session, secret)).values(expires_at=utcnow() - timedelta(1))
    )
    session.commit()


def bearer(secret: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers
