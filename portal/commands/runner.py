"""The one way any state change runs: exactly once per idempotency key, retried after a lost race.

For each command the runner opens one unit of work and, inside it:

1. looks up the command's idempotency key: a record with the same fingerprint
   is a replay (its stored result is answered and nothing changes); one with
   another fingerprint is an IdempotencyConflict;
2. runs the command's handler, records the key with the result, and commits,
   all in that one transaction.

A lost race (a stale ``version``, a unique key another writer took first — the
idempotency key itself included, a deadlock, a busy SQLite) rolls the whole
unit of work back and runs it again with jittered back-off; after the last
attempt it is a ConcurrencyConflict (HTTP 409, "Reload and try again"). A
refusal (a DomainError) changes nothing and is answered, unless the same
request with the same key committed meanwhile: then its result is replayed.

An observer (the metrics) hears of every lost race tried again and of how
each command ended: succeeded, replayed, refused, conflict or failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, cast

from portal.commands.base import Command, CommandResult, R
from portal.commands.retries import retry_lost_races
from portal.domain import errors
from portal.models.base import utcnow
from portal.persistence.protocols import UnitOfWork

Handler = Callable[[UnitOfWork, Any], CommandResult]
UnitOfWorkSource = Callable[[str, str | None], UnitOfWork]


class CommandObserver(Protocol):
    """Told what happened to each command; it must not raise (it is told after the command ended)."""

    def retried(self, command: Command, error: Exception) -> None: ...

    def finished(self, command: Command, outcome: str, error: BaseException | None, seconds: float) -> None: ...


class CommandRunner:
    """Runs commands through their handlers, each in a unit of work of its own."""

    def __init__(
        self,
        units: UnitOfWorkSource,
        handlers: Mapping[type[Command], Handler],
        *,
        fingerprint_key: bytes = b"",
        max_attempts: int = 10,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        guard: Callable[[Command], None] | None = None,
        observer: CommandObserver | None = None,
    ) -> None:
        self._units = units
        self._handlers = handlers
        self._fingerprint_key = fingerprint_key
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        #: Called before anything runs; its refusal (a switch that is off) changes nothing.
        self._guard = guard
        self._observer = observer

    def run(self, command: Command[R]) -> R:
        """The command's result: its first, or the stored one for a key seen before."""
        if self._observer is None:
            return self._run(command)
        started = time.perf_counter()
        try:
            result = self._run(command)
        except errors.ConcurrencyConflict as conflict:
            self._observer.finished(command, "conflict", conflict, time.perf_counter() - started)
            raise
        except errors.DomainError as refusal:
            self._observer.finished(command, "refused", refusal, time.perf_counter() - started)
            raise
        except Exception as failure:
            self._observer.finished(command, "failed", failure, time.perf_counter() - started)
            raise
        outcome = "replayed" if result.replayed else "succeeded"
        self._observer.finished(command, outcome, None, time.perf_counter() - started)
        return result

    def _run(self, command: Command[R]) -> R:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        if self._guard is not None:
            self._guard(command)
        fingerprint = command.fingerprint(self._fingerprint_key)

        def replay(uow: UnitOfWork) -> R | None:
            first = uow.idempotency.get(command.idempotency_key)
            if first is None:
                return None
            if first.command != command.audit_name or first.request_hash != fingerprint:
                raise errors.IdempotencyConflict(
                    "This request reuses the key of a different earlier request; send it again with a new key."
                )
            return cast(R, command.result_type.from_json(first.result or {}))

        def attempt() -> R:
            with self._units(command.audit_name, command.audit_reason) as uow:
                uow.now = self._clock()
                stored = replay(uow)
                if stored is not None:
                    return stored
                result = cast(R, handler(uow, command))
                uow.idempotency.record(
                    command.idempotency_key, command.audit_name, fingerprint, str(uow.actor), result.to_json()
                )
                uow.commit()
                return result

        observer = self._observer
        try:
            return retry_lost_races(
                attempt, name=command.audit_name, max_attempts=self._max_attempts, sleep=self._sleep,
                on_retry=None if observer is None else lambda error: observer.retried(command, error),
            )  # fmt: skip
        except errors.DomainError as refusal:
            if isinstance(refusal, errors.IdempotencyConflict):
                raise
            # The same request, with the same key, may have committed while this one ran (and is what
            # made it refuse: "already issued", "a payment like it was just recorded"): answer its result.
            with self._units(command.audit_name, command.audit_reason) as uow:
                stored = replay(uow)
            if stored is None:
                raise
            return stored
