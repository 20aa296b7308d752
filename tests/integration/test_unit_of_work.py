"""The unit of work owns the transaction, logs each commit, runs hooks only after it."""

from __future__ import annotations

import json
import logging

import pytest
import sqlalchemy as sa

from portal.models import Agent, Notification
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork, UnitOfWorkError

ACTOR = Actor.user(42)


def _agent(slug: str) -> Agent:
    return Agent(slug=slug, name=slug.title(), email=f"{slug}@example.com", commission_rate_bps=500, currency="EUR")


def _count_agents(session, slug: str) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Agent).where(Agent.slug == slug))


def test_commit_persists(db_session):
    with SessionUnitOfWork(db_session, command="add_agent", actor=ACTOR) as uow:
        db_session.add(_agent("kept"))
        uow.commit()
    assert _count_agents(db_session, "kept") == 1


def test_leaving_without_commit_rolls_back(db_session):
    with SessionUnitOfWork(db_session, command="add_agent", actor=ACTOR) as uow:
        db_session.add(_agent("dropped"))
        uow.flush()
        assert _count_agents(db_session, "dropped") == 1
    assert _count_agents(db_session, "dropped") == 0


def test_an_exception_rolls_back_everything_including_audit_events(db_session):
    from portal.models import AuditEvent

    events_before = db_session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    with pytest.raises(RuntimeError, match="boom"):
        with SessionUnitOfWork(db_session, command="add_agent", actor=ACTOR) as uow:
            db_session.add(_agent("half-done"))
            uow.flush()
            raise RuntimeError("boom")
    assert _count_agents(db_session, "half-done") == 0
    assert db_session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events_before


def test_post_commit_hooks_run_after_commit_only(db_session):
    calls = []
    with SessionUnitOfWork(db_session, command="notify", actor=ACTOR) as uow:
        uow.add_post_commit_hook(lambda: calls.append(_count_agents(db_session, "hooked")))
        db_session.add(_agent("hooked"))
        assert calls == []
        uow.commit()
    assert calls == [1], "the hook ran once, and saw the committed row"

    with SessionUnitOfWork(db_session, command="notify", actor=ACTOR) as uow:
        uow.add_post_commit_hook(lambda: calls.append("must not run"))
        db_session.add(_agent("not-committed"))
    assert calls == [1]


def test_a_failing_hook_does_not_undo_the_commit(db_session, caplog):
    def broken_hook():
        raise ConnectionError("smtp down")

    with SessionUnitOfWork(db_session, command="notify", actor=ACTOR) as uow:
        uow.add_post_commit_hook(broken_hook)
        db_session.add(_agent("survives"))
        uow.commit()
    assert _count_agents(db_session, "survives") == 1
    assert any("post-commit hook failed" in record.getMessage() for record in caplog.records)


def test_each_commit_writes_one_structured_log_line(db_session, caplog):
    caplog.set_level(logging.INFO, logger="portal.unit_of_work")
    with SessionUnitOfWork(db_session, command="add_two", actor=ACTOR, correlation_id="corr-test-0001") as uow:
        db_session.add_all([_agent("first-row"), _agent("second-row")])
        uow.commit()
    records = [r for r in caplog.records if getattr(r, "event", None) == "uow.commit"]
    assert len(records) == 1
    record = records[0]
    assert record.command == "add_two"
    assert record.correlation_id == "corr-test-0001"
    assert record.actor == "user:42"
    assert record.duration_ms >= 0
    # two agents and their two audit events, plus the chain head
    assert record.rows_written >= 4


def test_the_log_line_is_json_with_the_fields(db_session, caplog):
    from portal.observability.logging import HANDLER_NAME

    caplog.set_level(logging.INFO, logger="portal.unit_of_work")
    with SessionUnitOfWork(db_session, command="add_json", actor=ACTOR, correlation_id="corr-json-0001") as uow:
        db_session.add(_agent("json-row"))
        uow.commit()
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME)
    record = next(r for r in caplog.records if getattr(r, "event", None) == "uow.commit")
    line = json.loads(handler.format(record))
    assert line["command"] == "add_json"
    assert line["correlation_id"] == "corr-json-0001"
    assert {"duration_ms", "rows_written", "time", "level", "message"} <= line.keys()


def test_units_of_work_do_not_nest(db_session):
    with SessionUnitOfWork(db_session, command="outer", actor=ACTOR):
        with pytest.raises(UnitOfWorkError, match="do not nest"):
            with SessionUnitOfWork(db_session, command="inner", actor=ACTOR):
                pass


def test_a_second_commit_is_refused(db_session):
    with SessionUnitOfWork(db_session, command="twice", actor=ACTOR) as uow:
        uow.commit()
        with pytest.raises(UnitOfWorkError, match="already committed"):
            uow.commit()


def test_audited_changes_outside_a_unit_of_work_are_refused(db_session):
    db_session.add(_agent("sneaky"))
    with pytest.raises(UnitOfWorkError, match="outside a unit of work"):
        db_session.flush()
    db_session.rollback()
    assert _count_agents(db_session, "sneaky") == 0


def test_pending_changes_made_before_the_unit_of_work_are_refused(db_session):
    db_session.add(Notification(audience="staff", kind="x", subject="s", body="b"))
    with pytest.raises(UnitOfWorkError, match="outside a unit of work"):
        with SessionUnitOfWork(db_session, command="late", actor=ACTOR):
            pass
    db_session.rollback()


def test_the_unit_of_work_carries_actor_and_correlation_id_into_audit(db_session):
    from portal.models import AuditEvent

    with SessionUnitOfWork(
        db_session, command="traced", actor=ACTOR, correlation_id="corr-trace-01", request_ip="203.0.113.9"
    ) as uow:
        db_session.add(_agent("traced"))
        uow.commit()
    event = db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.actor, event.correlation_id, event.command, event.request_ip) == (
        "user:42",
        "corr-trace-01",
        "traced",
        "203.0.113.9",
    )


def test_rows_written_counts_every_queued_email_on_both_databases(db_session, make):
    make.user(role="admin", email="ada@ops.example")
    make.user(role="finance", email="finn@ops.example")
    make.user(role="viewer", email="vera@ops.example")
    with SessionUnitOfWork(db_session, command="notify_staff", actor=ACTOR) as uow:
        uow.notifications.add(Notification(audience="staff", kind="payout_requested", subject="S", body="B"))
        assert uow.rows_written == 3, "the notification and one e-mail for each of the admin and finance users"
        uow.commit()
