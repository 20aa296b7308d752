"""Evaluating flags through OpenFeature, with a provider of ours over the ``feature_flag`` table.

The provider reads the whole table (three rows) at most once every ``SNAPSHOT_TTL``
seconds per process, and at once after this process changed a flag; so a change
made by one worker is seen by every worker within ``SNAPSHOT_TTL`` seconds (2 s:
a short TTL rather than a version counter, because a TTL needs no extra write and
no extra read per request). Within one request each answer is kept, so a page
asks each flag once. An override from the environment (``FLAG_AGENT_PORTAL=off``,
``=25`` for a percentage) wins over the table, for incidents.

Pointing the product at flagd, Unleash or Flipt is a provider swap in
``install_flags``: every call site asks OpenFeature, never the table.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider import AbstractProvider, Metadata
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.flags.catalog import CATALOG, FlagDefinition, Scope
from portal.models import FeatureFlag
from portal.observability.metrics import FLAG_EVALUATIONS

logger = logging.getLogger(__name__)

DOMAIN = "agent-portal"
#: Seconds a process keeps its copy of the flag table.
SNAPSHOT_TTL = 2.0
_SNAPSHOT = "portal.flag_snapshot"


@dataclass(frozen=True)
class FlagState:
    """A flag's row, as read."""

    name: str
    enabled: bool
    rollout_percentage: int
    allow_list: frozenset[str]
    deny_list: frozenset[str]
    reason: str | None = None
    updated_by: str | None = None


def rollout_bucket(flag: str, key: str) -> int:
    """0–99, the same for the same flag and agent every time: widening a rollout keeps everyone who was in."""
    return int.from_bytes(hashlib.sha256(f"{flag}:{key}".encode()).digest()[:4], "big") % 100


def decide(definition: FlagDefinition, state: FlagState | None, override: bool | int | None,
           agent_slug: str | None) -> tuple[bool, str]:  # fmt: skip
    """The flag's value for the agent and why (an OpenFeature reason): pure, so every rule is tested alone."""
    if isinstance(override, bool):
        return override, Reason.STATIC
    percentage = override if override is not None else (state.rollout_percentage if state else None)
    if override is None and state is None:
        return definition.default, Reason.DEFAULT
    if override is None and state is not None and not state.enabled:
        return False, Reason.DISABLED
    if definition.scope == Scope.GLOBAL or agent_slug is None:
        return (percentage or 0) > 0 if override is not None else True, Reason.STATIC
    if state is not None and agent_slug in state.deny_list:
        return False, Reason.TARGETING_MATCH
    if state is not None and agent_slug in state.allow_list:
        return True, Reason.TARGETING_MATCH
    return rollout_bucket(definition.name, agent_slug) < (percentage or 0), Reason.SPLIT


def snapshot() -> dict[str, FlagState]:
    """This process's copy of the flag table, read again when older than ``SNAPSHOT_TTL``."""
    ttl = current_app.config.get("FLAG_SNAPSHOT_TTL", SNAPSHOT_TTL)
    cache = current_app.extensions.setdefault(_SNAPSHOT, {"at": float("-inf"), "states": {}})
    if time.monotonic() - cache["at"] >= ttl:
        try:
            rows = db.session.scalars(sa.select(FeatureFlag)).all()
        except SQLAlchemyError:
            logger.warning("flag table unreadable; keeping the last copy (or the catalog's defaults)", exc_info=True)
            db.session.rollback()
            return cache["states"]
        cache["states"] = {row.name: state_of(row) for row in rows}
        cache["at"] = time.monotonic()
        # Answers given from the previous copy no longer hold.
        cache["answers"] = {}
    return cache["states"]


def _answers() -> dict[tuple[str, str | None, str | None], bool]:
    """This process's answers from its current copy of the table (emptied whenever the copy is read again)."""
    snapshot()
    return current_app.extensions[_SNAPSHOT].setdefault("answers", {})


def state_of(row: FeatureFlag) -> FlagState:
    return FlagState(
        name=row.name, enabled=row.enabled, rollout_percentage=row.rollout_percentage,
        allow_list=frozenset(row.allow_list or ()), deny_list=frozenset(row.deny_list or ()), reason=row.reason,
        updated_by=row.updated_by,
    )  # fmt: skip


def forget_snapshot(app: Flask) -> None:
    """After this process changed a flag: the next evaluation reads the table again."""
    app.extensions.pop(_SNAPSHOT, None)


class TableFlagProvider(AbstractProvider):
    """OpenFeature's view of the ``feature_flag`` table, the catalog and the environment's overrides."""

    def get_metadata(self) -> Metadata:
        return Metadata(name="agent-portal flag table")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        definition = CATALOG.get(flag_key)
        if definition is None:
            return FlagResolutionDetails(default_value, ErrorCode.FLAG_NOT_FOUND, f"{flag_key} is not in the catalog",
                                         Reason.ERROR)  # fmt: skip
        slug = evaluation_context.targeting_key if evaluation_context else None
        override = current_app.config.get("FLAG_OVERRIDES", {}).get(flag_key)
        value, reason = decide(definition, snapshot().get(flag_key), override, slug)
        return FlagResolutionDetails(value, reason=reason, variant="on" if value else "off")

    def resolve_string_details(self, flag_key: str, default_value: str, evaluation_context: Any = None) -> Any:
        return FlagResolutionDetails(default_value, ErrorCode.TYPE_MISMATCH, "flags here are on or off", Reason.ERROR)

    def resolve_integer_details(self, flag_key: str, default_value: int, evaluation_context: Any = None) -> Any:
        return FlagResolutionDetails(default_value, ErrorCode.TYPE_MISMATCH, "flags here are on or off", Reason.ERROR)

    def resolve_float_details(self, flag_key: str, default_value: float, evaluation_context: Any = None) -> Any:
        return FlagResolutionDetails(default_value, ErrorCode.TYPE_MISMATCH, "flags here are on or off", Reason.ERROR)

    def resolve_object_details(self, flag_key: str, default_value: Any, evaluation_context: Any = None) -> Any:
        return FlagResolutionDetails(default_value, ErrorCode.TYPE_MISMATCH, "flags here are on or off", Reason.ERROR)


#: One provider per process: it reads whichever application is current, so every app of the process shares it.
PROVIDER = TableFlagProvider()


def install_flags(app: Flask) -> None:
    """Our provider behind OpenFeature's client for this product (the one line a provider swap changes).

    Set once per process, and waited for: an evaluation never meets a provider still starting up (it would
    answer the catalog's default whatever the table says).
    """
    if api.get_provider_metadata(DOMAIN).name != PROVIDER.get_metadata().name:
        api.set_provider_and_wait(PROVIDER, domain=DOMAIN)


def flag_enabled(name: str, agent_slug: str | None = None, role: str | None = None) -> bool:
    """Whether ``name`` is on (for the agent, when the flag is rolled out by agent).

    Asked of OpenFeature once per flag and agent for each copy of the table this process reads (every
    ``FLAG_SNAPSHOT_TTL`` seconds), and answered from the request's memo after that within a request.
    """
    definition = CATALOG[name]
    memo = g.setdefault("_flags", {}) if has_request_context() else {}
    key = (name, agent_slug, role)
    if key not in memo:
        answers = _answers()
        if key not in answers:
            context = EvaluationContext(targeting_key=agent_slug, attributes={"role": role} if role else {})
            answers[key] = api.get_client(DOMAIN).get_boolean_value(name, definition.default, context)
        memo[key] = answers[key]
    FLAG_EVALUATIONS.labels(name, "on" if memo[key] else "off").inc()
    return memo[key]
