"""The command runner (exactly once per key, replay, conflict) and the retries of lost races, with no database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.commands import retries
from portal.commands.base import SECRET, Command, CommandResult
from portal.commands.retries import backoff, is_retryable, is_unique_violation, retry_lost_races
from portal.commands.runner import CommandRunner
from portal.domain import errors
from portal.persistence.context import Actor

NOW = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
CONFLICT = "This request reuses the key of a different earlier request; send it again with a new key."
GAVE_UP = "This changed at the same time as another request. Reload and try again."


@dataclass(frozen=True)
class Done(CommandResult):
    value: int


@dataclass(frozen=True, kw_only=True)
class Do(Command[Done]):
    name = "do"
    result_type = Done

    value: int = 1
    reason: str | None = None
    secret: str | None = field(default=None, metadata=SECRET)


@dataclass(frozen=True, kw_only=True)
class Unhandled(Command[Done]):
    name = "unhandled"
    result_type = Done


@dataclass
class Record:
    key: str
    command: str
    request_hash: str
    actor: str
    result: dict


class Idempotency:
    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self.pending: dict[str, Record] = {}

    def get(self, key: str):
        return self.records.get(key)

    def record(self, key, command, request_hash, actor, result):
        self.pending[key] = Record(key, command, request_hash, actor, result)


class Unit:
    def __init__(self, world: World, command: str, reason: str | None) -> None:
        self.world = world
        self.command = command
        self.reason = reason
        self.actor = Actor.user(7)
        self.now: datetime | None = None
        self.idempotency = world.idempotency

    def __enter__(self) -> Unit:
        self.world.opened.append((self.command, self.reason))
        return self

    def __exit__(self, *exc) -> None:
        self.idempotency.pending.clear()

    def commit(self) -> None:
        if self.world.failures:
            raise self.world.failures.pop(0)
        self.world.commits += 1
        self.idempotency.records.update(self.idempotency.pending)


class World:
    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.idempotency = Idempotency()
        self.opened: list[tuple[str, str | None]] = []
        self.commits = 0
        self.calls: list[tuple[Do, datetime | None]] = []
        self.sleeps: list[float] = []
        self.failures = failures or []

    def handler(self, uow: Unit, command: Do) -> Done:
        self.calls.append((command, uow.now))
        return Done(replayed=False, value=command.value * 10)

    def runner(self, **options) -> CommandRunner:
        return CommandRunner(
            lambda name, reason: Unit(self, name, reason),
            {Do: self.handler},
            clock=lambda: NOW,
            sleep=self.sleeps.append,
            **options,
        )


def test_a_command_runs_once_in_a_unit_of_work_of_its_own_and_records_its_key():
    world = World()
    command = Do(idempotency_key="key-1", value=4, reason="why")
    result = world.runner().run(command)
    assert result == Done(replayed=False, value=40)
    assert world.opened == [("do", "why")]
    assert world.calls == [(command, NOW)]
    assert world.commits == 1
    assert world.idempotency.records == {
        "key-1": Record("key-1", "do", command.fingerprint(b""), "user:7", {"value": 40}),
    }


def test_a_replay_answers_the_stored_result_and_runs_nothing():
    world = World()
    runner = world.runner()
    runner.run(Do(idempotency_key="key-1", value=4))
    world.idempotency.records["key-1"].result = {"value": 99}  # what was stored is what is answered
    again = runner.run(Do(idempotency_key="key-1", value=4))
    assert again == Done(replayed=True, value=99)
    assert len(world.calls) == 1 and world.commits == 1
    assert world.opened == [("do", None), ("do", None)]


def test_the_same_key_with_another_request_is_a_conflict():
    world = World()
    runner = world.runner()
    runner.run(Do(idempotency_key="key-1", value=4))
    with pytest.raises(errors.IdempotencyConflict) as raised:
        runner.run(Do(idempotency_key="key-1", value=5))
    assert (raised.value.message, raised.value.field, raised.value.http_status) == (CONFLICT, None, 409)
    assert len(world.calls) == 1 and world.commits == 1


def test_the_same_key_and_fingerprint_for_another_command_is_a_conflict():
    world = World()
    command = Do(idempotency_key="key-1")
    world.idempotency.records["key-1"] = Record("key-1", "other", command.fingerprint(), "user:1", {"value": 1})
    with pytest.raises(errors.IdempotencyConflict, match="reuses the key"):
        world.runner().run(command)
    assert world.calls == []


def test_the_fingerprint_is_keyed_by_the_runner_key():
    world = World()
    command = Do(idempotency_key="key-1", secret="s3cret")
    world.runner(fingerprint_key=b"server-key").run(command)
    stored = world.idempotency.records["key-1"].request_hash
    assert stored == command.fingerprint(b"server-key") != command.fingerprint(b"")
    # A runner with another key sees another request.
    with pytest.raises(errors.IdempotencyConflict):
        world.runner().run(command)
    assert world.runner(fingerprint_key=b"server-key").run(command).replayed


def test_a_runner_with_no_key_uses_the_empty_key():
    world = World()
    command = Do(idempotency_key="key-1", secret="s3cret")
    world.runner().run(command)
    assert world.idempotency.records["key-1"].request_hash == command.fingerprint(b"")


def test_a_command_with_no_handler():
    with pytest.raises(LookupError) as raised:
        World().runner().run(Unhandled(idempotency_key="k"))
    assert str(raised.value) == "no handler for Unhandled"


def test_a_lost_race_runs_the_whole_unit_again():
    world = World(failures=[StaleDataError("stale"), StaleDataError("stale")])
    result = world.runner().run(Do(idempotency_key="k", value=2))
    assert result == Done(replayed=False, value=20)
    assert len(world.calls) == 3 and world.commits == 1 and len(world.sleeps) == 2
    assert world.opened == [("do", None)] * 3


def test_the_runner_gives_up_after_ten_attempts_by_default():
    world = World(failures=[StaleDataError("stale")] * 20)
    with pytest.raises(errors.ConcurrencyConflict, match="Reload and try again"):
        world.runner().run(Do(idempotency_key="k"))
    assert len(world.calls) == 10 and len(world.sleeps) == 9 and world.commits == 0


def test_the_runner_takes_its_attempts_and_names_the_command_in_the_log(log):
    world = World(failures=[StaleDataError("stale")] * 20)
    with pytest.raises(errors.ConcurrencyConflict):
        world.runner(max_attempts=3).run(Do(idempotency_key="k"))
    assert len(world.calls) == 3
    assert [(r.getMessage(), r.command) for r in log] == [
        ("command retried", "do"),
        ("command retried", "do"),
        ("command gave up after retries", "do"),
    ]


# --- what is a lost race ------------------------------------------------------------------------------------------


class DriverError(Exception):
    """What psycopg raises: it carries the SQLSTATE."""

    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class SqliteError(Exception):
    """What sqlite3 raises: no SQLSTATE, only a message."""


def integrity(orig: Exception) -> IntegrityError:
    return IntegrityError("INSERT …", {}, orig)


def operational(orig: Exception) -> OperationalError:
    return OperationalError("UPDATE …", {}, orig)


@pytest.mark.parametrize(
    ("error", "unique"),
    [
        (integrity(DriverError("duplicate key value", "23505")), True),
        (integrity(DriverError("UNIQUE constraint failed: x", "23514")), False),  # the SQLSTATE decides
        (integrity(DriverError("violates check constraint", "23514")), False),
        (integrity(DriverError("violates foreign key constraint", "23503")), False),
        (integrity(SqliteError("UNIQUE constraint failed: payment.idempotency_key")), True),
        (integrity(SqliteError("CHECK constraint failed: amount_positive")), False),
        (integrity(SqliteError("unique constraint failed")), False),
    ],
)
def test_unique_violations(error, unique):
    assert is_unique_violation(error) is unique
    assert is_retryable(error) is unique


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (StaleDataError("version changed"), True),
        (operational(DriverError("could not serialize access", "40001")), True),
        (operational(DriverError("deadlock detected", "40P01")), True),
        (operational(DriverError("could not obtain lock", "55P03")), True),
        (operational(DriverError("object in use", "55006")), False),
        (operational(DriverError("database is locked", None)), True),
        (operational(SqliteError("database is locked")), True),
        (operational(SqliteError("no such table: wallet")), False),
        (operational(SqliteError("DATABASE IS LOCKED")), False),
        (DBAPIError("SELECT …", {}, DriverError("connection lost", "08006")), False),
        (ValueError("a bug"), False),
        (errors.InsufficientFunds("no"), False),
    ],
)
def test_retryable_errors(error, retryable):
    assert is_retryable(error) is retryable


def test_backoff_is_full_jitter_doubling_up_to_a_cap(monkeypatch):
    calls = []
    monkeypatch.setattr(retries.random, "uniform", lambda low, high: calls.append((low, high)) or high)
    assert [backoff(attempt) for attempt in (1, 2, 3, 5, 6, 10)] == [0.01, 0.02, 0.04, 0.16, 0.2, 0.2]
    assert [low for low, _ in calls] == [0] * 6


def test_backoff_stays_within_its_bounds():
    assert all(0 <= backoff(1) <= 0.01 for _ in range(200))
    assert all(0 <= backoff(9) <= 0.2 for _ in range(200))


# --- retry_lost_races ---------------------------------------------------------------------------------------------


@pytest.fixture
def log():
    """Records of the retries logger (the application's logging config may stop propagation)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("portal.commands.retries")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


class Flaky:
    def __init__(self, *failures: Exception, value: str = "done") -> None:
        self.failures = list(failures)
        self.calls = 0
        self.value = value

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.value


def test_work_that_succeeds_runs_once():
    sleeps: list[float] = []
    assert retry_lost_races(Flaky(), name="w", sleep=sleeps.append) == "done"
    assert sleeps == []


def test_a_refusal_or_a_bug_passes_through_at_once(log):
    sleeps: list[float] = []
    refusal = Flaky(errors.InsufficientFunds("no money"), errors.InsufficientFunds("no money"))
    with pytest.raises(errors.InsufficientFunds):
        retry_lost_races(refusal, name="w", sleep=sleeps.append)
    bug = Flaky(ValueError("bug"))
    with pytest.raises(ValueError, match="bug"):
        retry_lost_races(bug, name="w", sleep=sleeps.append)
    check = Flaky(integrity(SqliteError("CHECK constraint failed: held_not_negative")))
    with pytest.raises(IntegrityError):
        retry_lost_races(check, name="w", sleep=sleeps.append)
    assert (refusal.calls, bug.calls, check.calls, sleeps, log) == (1, 1, 1, [], [])


def test_lost_races_are_retried_with_backoff_and_logged(monkeypatch, log):
    monkeypatch.setattr(retries.random, "uniform", lambda low, high: high)
    sleeps: list[float] = []
    work = Flaky(StaleDataError("stale"), operational(SqliteError("database is locked")))
    assert retry_lost_races(work, name="pay", sleep=sleeps.append) == "done"
    assert work.calls == 3 and sleeps == [0.01, 0.02]
    assert [(r.levelno, r.getMessage(), r.command, r.attempt, r.error) for r in log] == [
        (logging.INFO, "command retried", "pay", 1, "StaleDataError"),
        (logging.INFO, "command retried", "pay", 2, "OperationalError"),
    ]


def test_races_that_keep_being_lost_end_in_a_conflict_after_ten_attempts(monkeypatch, log):
    monkeypatch.setattr(retries.random, "uniform", lambda low, high: high)
    sleeps: list[float] = []
    last = StaleDataError("the tenth")
    work = Flaky(*[StaleDataError("stale")] * 9, last, StaleDataError("never reached"))
    with pytest.raises(errors.ConcurrencyConflict) as raised:
        retry_lost_races(work, name="payout", sleep=sleeps.append)
    assert (raised.value.message, raised.value.http_status, raised.value.__cause__) == (GAVE_UP, 409, last)
    assert work.calls == 10 and len(sleeps) == 9
    assert sleeps == [0.01, 0.02, 0.04, 0.08, 0.16, 0.2, 0.2, 0.2, 0.2]
    gave_up = log[-1]
    assert (gave_up.levelno, gave_up.getMessage(), gave_up.command, gave_up.attempts, gave_up.error) == (
        logging.WARNING,
        "command gave up after retries",
        "payout",
        10,
        "StaleDataError",
    )
    assert len(log) == 10


def test_the_number_of_attempts_is_a_parameter():
    sleeps: list[float] = []
    work = Flaky(*[StaleDataError("stale")] * 5)
    with pytest.raises(errors.ConcurrencyConflict):
        retry_lost_races(work, name="w", max_attempts=2, sleep=sleeps.append)
    assert work.calls == 2 and len(sleeps) == 1
    once = Flaky(StaleDataError("stale"))
    with pytest.raises(errors.ConcurrencyConflict):
        retry_lost_races(once, name="w", max_attempts=1, sleep=sleeps.append)
    assert once.calls == 1


def test_no_attempt_at_all_is_a_programming_error():
    work = Flaky()
    with pytest.raises(AssertionError) as raised:
        retry_lost_races(work, name="w", max_attempts=0)
    assert str(raised.value) == "unreachable" and work.calls == 0


def test_a_refusal_caused_by_the_same_request_committing_meanwhile_replays_its_result():
    world = World()
    twin = Do(idempotency_key="k", value=4)
    stored = Record("k", "do", twin.fingerprint(b""), "user:7", Done(replayed=False, value=40).to_json())

    def twin_committed_first(uow, command):
        world.idempotency.records["k"] = stored  # the twin's commit lands while this one runs
        raise errors.InvoiceStateConflict("Invoice X is issued: only drafts can be issued.")

    runner = CommandRunner(
        lambda name, reason: Unit(world, name, reason), {Do: twin_committed_first}, clock=lambda: NOW
    )
    assert runner.run(twin) == Done(replayed=True, value=40)
    assert world.commits == 0, "nothing written twice"


def test_a_refusal_with_no_twin_is_answered():
    world = World()

    def refuses(uow, command):
        raise errors.InvoiceStateConflict("Invoice X is issued.")

    runner = CommandRunner(lambda name, reason: Unit(world, name, reason), {Do: refuses}, clock=lambda: NOW)
    with pytest.raises(errors.InvoiceStateConflict):
        runner.run(Do(idempotency_key="k", value=4))


def test_a_refusal_while_another_request_took_the_key_meanwhile_is_a_conflict():
    world = World()
    other = Record("k", "do", "another fingerprint", "user:7", {"value": 1})

    def refuses(uow, command):
        world.idempotency.records["k"] = other
        raise errors.InvoiceStateConflict("Invoice X is issued.")

    runner = CommandRunner(lambda name, reason: Unit(world, name, reason), {Do: refuses}, clock=lambda: NOW)
    with pytest.raises(errors.IdempotencyConflict):
        runner.run(Do(idempotency_key="k", value=4))


class Heard:
    """An observer that keeps what it was told."""

    def __init__(self) -> None:
        self.retries: list[str] = []
        self.outcomes: list[tuple[str, str | None]] = []

    def retried(self, command, error) -> None:
        self.retries.append(type(error).__name__)

    def finished(self, command, outcome, error, seconds) -> None:
        assert seconds >= 0
        self.outcomes.append((outcome, type(error).__name__ if error is not None else None))


def test_the_observer_hears_each_retry_and_how_each_command_ended():
    heard = Heard()
    world = World(failures=[StaleDataError("stale")])
    runner = world.runner(observer=heard)
    runner.run(Do(idempotency_key="key-1", value=1))
    runner.run(Do(idempotency_key="key-1", value=1))
    with pytest.raises(errors.IdempotencyConflict):
        runner.run(Do(idempotency_key="key-1", value=2))
    assert heard.retries == ["StaleDataError"]
    assert heard.outcomes == [("succeeded", None), ("replayed", None), ("refused", "IdempotencyConflict")]


def test_the_observer_hears_a_final_conflict_and_a_failure():
    heard = Heard()
    world = World(failures=[StaleDataError("stale")] * 3)
    with pytest.raises(errors.ConcurrencyConflict):
        world.runner(observer=heard, max_attempts=3).run(Do(idempotency_key="key-1", value=1))
    assert heard.retries == ["StaleDataError"] * 2 and heard.outcomes == [("conflict", "ConcurrencyConflict")]

    def broken(uow, command):
        raise ZeroDivisionError("a bug")

    failing = CommandRunner(lambda name, reason: Unit(world, name, reason), {Do: broken}, observer=heard)
    with pytest.raises(ZeroDivisionError):
        failing.run(Do(idempotency_key="key-2", value=1))
    assert heard.outcomes[-1] == ("failed", "ZeroDivisionError")
