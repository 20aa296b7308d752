"""An in-memory unit of work with the repositories the command handlers use.

Rows added in a unit of work reach the store only when it commits; a unit of
work that is left without commit adds nothing. Ids are given on add. mypy
checks it against :class:`portal.persistence.protocols.UnitOfWork`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from portal.persistence.context import Actor
from portal.persistence.protocols import UnitOfWork
from portal.repositories.summaries import SUMMARY_FIGURES
from tests.unit.fake_tables import (
    FakeAgents,
    FakeApiTokens,
    FakeAppearances,
    FakeCommissions,
    FakeFlags,
    FakeIdempotency,
    FakeInvoices,
    FakeNotifications,
    FakePayments,
    FakePayouts,
    FakeRolloutSteps,
    FakeSecondFactors,
    FakeSettings,
    FakeSummaries,
    FakeUsers,
    FakeVerificationRuns,
    FakeWallets,
)


class FakeStore:
    def __init__(self) -> None:
        self.rows: dict[str, dict[Any, Any]] = defaultdict(dict)
        self.summaries: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SUMMARY_FIGURES, 0))
        self.ids = itertools.count(1)
        self.commits = 0
        self.units = 0
        #: (command, agent id, currency) of every wallet read with its row lock
        self.locks: list[tuple[str, int, str]] = []
        #: (command, model) of every row read again after a wallet lock
        self.refreshes: list[tuple[str, str]] = []
        #: (command, reason) of every unit of work begun
        self.opened: list[tuple[str, str | None]] = []
        #: (command, agent id, currency, last payment at, deltas) of every committed summary change
        self.summary_changes: list[tuple[str, int, str, Any, dict[str, int]]] = []
        #: (cutoff, limit) of every query for commissions due for approval
        self.due_queries: list[tuple[datetime, int]] = []

    def all(self, kind: str) -> list[Any]:
        return list(self.rows[kind].values())


class FakeUnitOfWork:
    """Implements what the command handlers need of a UnitOfWork, in memory."""

    def __init__(
        self,
        store: FakeStore,
        command: str,
        reason: str | None = None,
        settings: dict[str, Any] | None = None,
        stale_commits: int = 0,
    ) -> None:
        self.store = store
        self.command = command
        self.reason = reason
        self.actor = Actor.user(1)
        self.correlation_id = "fake-correlation-id"
        self.request_ip: str | None = None
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.events: list[tuple[str, str, str]] = []
        self.pending: dict[str, dict[Any, Any]] = defaultdict(dict)
        self.pending_summary: list[tuple[int, str, Any, dict[str, int]]] = []
        self.committed = False
        self._stale_commits = stale_commits
        self.agents = FakeAgents(self)
        self.invoices = FakeInvoices(self)
        self.payments = FakePayments(self)
        self.commissions = FakeCommissions(self)
        self.wallets = FakeWallets(self)
        self.payouts = FakePayouts(self)
        self.summaries = FakeSummaries(self)
        self.notifications = FakeNotifications(self)
        self.settings = FakeSettings(settings or {})
        self.idempotency = FakeIdempotency(self)
        self.appearances = FakeAppearances(self)
        self.users = FakeUsers(self)
        self.two_factor = FakeSecondFactors(self)
        self.api_tokens = FakeApiTokens(self)
        self.flags = FakeFlags(self)
        self.verification_runs = FakeVerificationRuns(self)
        self.rollout_steps = FakeRolloutSteps(self)

    def __enter__(self) -> FakeUnitOfWork:
        self.store.units += 1
        self.store.opened.append((self.command, self.reason))
        return self

    def __exit__(self, *exc) -> None:
        self.pending.clear()
        self.pending_summary.clear()

    def lock_audit_chain(self) -> None:
        pass

    def add_post_commit_hook(self, hook) -> None:
        raise AssertionError("the money handlers run nothing after commit")

    def record_event(self, action, entity_type, entity_id, before=None, after=None) -> None:
        self.events.append((action, entity_type, entity_id))

    def flush(self) -> None:
        pass

    def commit(self) -> None:
        if self.store.commits < self._stale_commits:
            self.store.commits += 1
            raise StaleDataError("the wallet's version changed (injected)")
        for kind, rows in self.pending.items():
            self.store.rows[kind].update(rows)
        for agent_id, currency, last_payment_at, deltas in self.pending_summary:
            self.store.summary_changes.append((self.command, agent_id, currency, last_payment_at, deltas))
            for name, delta in deltas.items():
                self.store.summaries[agent_id][name] += delta
        self.store.commits += 1
        self.committed = True


def _conforms(uow: FakeUnitOfWork) -> UnitOfWork:
    """mypy checks here that the fake is a UnitOfWork."""
    return uow
