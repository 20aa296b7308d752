"""Who is calling: the bearer token of the request, what its scope allows, and whose data it reaches.

A session cookie never authenticates here; only ``Authorization: Bearer``.
A token owned by a staff role acts with that role's permissions (the same
matrix as the dashboard); a token owned by an agent reaches that agent's data
only, and anything else of anyone's is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, g, request

from portal import data_access
from portal.api.problems import problem
from portal.auth.permissions import role_can
from portal.extensions import db
from portal.flags.catalog import AGENT_PORTAL
from portal.flags.evaluation import flag_enabled
from portal.models import Agent
from portal.models.api_token import ApiScope
from portal.models.base import utcnow
from portal.models.user import Role
from portal.observability.cohort import bind_cohort
from portal.persistence.context import Actor
from portal.read.agents import AgentProfile
from portal.services.api_tokens import live_token, mark_token_used

MAX_SECRET = 200
CHALLENGE = 'Bearer realm="agent-portal"'


@dataclass(frozen=True)
class ApiPrincipal:
    token_id: int
    scope: ApiScope
    owner_role: str
    agent_id: int | None
    owner: str

    @property
    def is_agent(self) -> bool:
        return self.owner_role == Role.AGENT

    @property
    def actor(self) -> Actor:
        """``token:7 (agent:12)``: the token, and whose it is, on every audit event it causes."""
        return Actor("token", f"{self.token_id} ({self.owner})")


def authenticate() -> Any:
    """``before_request`` of the API: a live bearer token, or 401 with a challenge."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return _unauthenticated("Send an API token: Authorization: Bearer <token>.")
    now = utcnow()
    token = live_token(db.session(), secret, now) if len(secret) <= MAX_SECRET else None
    if token is None:
        return _unauthenticated("This token is not valid: it is unknown, revoked or expired.", 'error="invalid_token"')
    g.api_principal = ApiPrincipal(token.id, ApiScope(token.scope), token.owner_role, token.agent_id, token.owner)
    if token.agent_id is not None:
        bind_cohort(in_agent_portal_rollout(token.agent_id))
    mark_token_used(db.session(), token, now)
    return None


def in_agent_portal_rollout(agent_id: int) -> bool:
    """Whether the token's agent is in the portal's canary: its API calls are counted with the same cohort."""
    slug = db.session.scalar(sa.select(Agent.slug).where(Agent.id == agent_id))
    return slug is not None and flag_enabled(AGENT_PORTAL, slug, role="agent")


def _unauthenticated(detail: str, error: str = "") -> Any:
    response = problem(401, detail)
    response.headers["WWW-Authenticate"] = f"{CHALLENGE}, {error}" if error else CHALLENGE
    return response


def principal() -> ApiPrincipal:
    return g.api_principal


def allow(scope: ApiScope, permission: str | None = None, *, agents: bool = False) -> Callable:
    """An operation's rule: the token's scope, the staff role's ``permission``, whether agents' tokens may call it."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            caller = principal()
            if not caller.scope.includes(scope):
                abort(problem(403, f"This token's scope is {caller.scope}; this operation needs {scope}.",
                              slug="insufficient-scope"))  # fmt: skip
            if caller.is_agent and not agents:
                abort(problem(403, "This operation is for staff tokens only.", slug="staff-only"))
            if not caller.is_agent and permission and not role_can(caller.owner_role, permission):
                abort(problem(403, f"The {caller.owner_role} role may not do this.", slug="role-not-allowed"))
            return view(*args, **kwargs)

        checked.api_rule = (scope, permission, agents)  # type: ignore[attr-defined]
        return checked

    return decorate


def visible_agent(agent_id: int) -> AgentProfile:
    """The agent, when the token may see it: an agent's token sees itself only; anything else is 404."""
    caller = principal()
    agent = data_access.agent_by_id(agent_id) if not caller.is_agent or caller.agent_id == agent_id else None
    if agent is None:
        abort(problem(404, "There is no such agent."))
    return agent


def own_agent() -> AgentProfile:
    """The agent an agent's token belongs to."""
    caller = principal()
    assert caller.agent_id is not None
    return visible_agent(caller.agent_id)
