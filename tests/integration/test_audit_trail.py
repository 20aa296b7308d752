"""Every change to an audited entity leaves a chained, masked audit event."""

from __future__ import annotations

from itertools import pairwise

import pytest
import sqlalchemy as sa

from portal.models import Agent, AuditEvent, Base, IdempotencyRecord, Payment, Refund, Setting, User, Wallet
from portal.models.audit import EVENT_ENTITIES, audited_entity_types
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import SECRET_PLACEHOLDER, chain_key, insert_audited, record_event
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork, UnitOfWorkError
from portal.read.audit import AuditReadRepository
from portal.read.audit_changes import Amount
from portal.read.pages import PageRequest
from portal.seed.demo import load_demo_data

ACTOR = Actor.user(7)


def _events_for(session, entity_type: str, entity_id) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.seq)
        )
    )


def test_insert_update_delete_each_leave_an_event_with_before_and_after(db_session):
    with SessionUnitOfWork(db_session, command="create", actor=ACTOR, correlation_id="corr-audit-01") as uow:
        agent = Agent(
            slug="audited",
            name="Audited",
            email="owner@audited.example",
            phone="+44 20 7946 0958",
            commission_rate_bps=900,
            currency="EUR",
        )
        db_session.add(agent)
        uow.flush()
        agent_id = agent.id
        uow.commit()
    with SessionUnitOfWork(db_session, command="suspend", actor=ACTOR, reason="fraud check") as uow:
        agent = db_session.get(Agent, agent_id)
        agent.status = "suspended"
        uow.commit()
    with SessionUnitOfWork(db_session, command="remove", actor=ACTOR) as uow:
        db_session.delete(db_session.get(Agent, agent_id))
        uow.commit()

    insert, update, delete = _events_for(db_session, "Agent", agent_id)
    assert insert.action == "insert" and insert.before is None
    assert insert.after["slug"] == "audited" and insert.after["commission_rate_bps"] == 900
    assert insert.correlation_id == "corr-audit-01" and insert.actor == "user:7"
    assert update.action == "update" and update.reason == "fraud check"
    assert update.before == {"status": "active"}
    assert update.after["status"] == "suspended"
    assert delete.action == "delete" and delete.after is None and delete.before["status"] == "suspended"
    assert insert.occurred_at.tzinfo is not None


def test_contact_details_are_masked_and_secrets_never_in_clear(db_session):
    with SessionUnitOfWork(db_session, command="create", actor=ACTOR) as uow:
        agent = Agent(
            slug="masked",
            name="Masked",
            email="jane.doe@example.com",
            phone="+1 415 555 0199",
            commission_rate_bps=900,
            currency="USD",
        )
        user = User(
            email="jane.doe@example.com",
            full_name="Jane",
            role="admin",
            password_hash="$argon2id$v=19$secret-hash",
        )
        setting = Setting(
            name="smtp_password",
            is_secret=True,
            ciphertext="v1:opaque-ciphertext",
            key_version="local:1",
            updated_by="user:7",
        )
        db_session.add_all([agent, user, setting])
        uow.flush()
        ids = agent.id, user.id
        uow.commit()
    agent_event = _events_for(db_session, "Agent", ids[0])[0]
    user_event = _events_for(db_session, "User", ids[1])[0]
    setting_event = _events_for(db_session, "Setting", "smtp_password")[0]
    assert agent_event.after["email"] == "j***@e***.com"
    assert agent_event.after["phone"] == "***0199"
    assert user_event.after["password_hash"] == SECRET_PLACEHOLDER
    assert setting_event.after["ciphertext"] == SECRET_PLACEHOLDER
    stored = db_session.execute(sa.text("SELECT before, after FROM audit_event")).all()
    dumped = repr(stored)
    for secret in ("jane.doe", "415 555 0199", "secret-hash", "opaque-ciphertext"):
        assert secret not in dumped


def _agent_values(slug: str) -> dict:
    return {
        "slug": slug,
        "name": "Same Agent",
        "email": "jane.doe@example.com",
        "phone": "+1 415 555 0199",
        "commission_rate_bps": 900,
        "currency": "USD",
    }


def test_an_insert_outside_the_flush_is_audited_exactly_as_the_hook_audits_one(db_session):
    with SessionUnitOfWork(db_session, command="create", actor=ACTOR, correlation_id="corr-same-01") as uow:
        through_orm = Agent(**_agent_values("through-orm"))
        db_session.add(through_orm)
        uow.flush()
        direct = insert_audited(db_session, Agent, _agent_values("direct"))
        uow.commit()

    (hooked,) = _events_for(db_session, "Agent", through_orm.id)
    (explicit,) = _events_for(db_session, "Agent", direct.id)
    assert explicit.action == "insert" and explicit.before is None
    assert explicit.after["email"] != "jane.doe@example.com" and explicit.after["phone"] != "+1 415 555 0199"
    differs = {"id", "slug", "created_at", "updated_at"}
    assert set(explicit.after) == set(hooked.after)
    assert {k: v for k, v in explicit.after.items() if k not in differs} == {
        k: v for k, v in hooked.after.items() if k not in differs
    }
    assert explicit.after["id"] == direct.id and explicit.after["slug"] == "direct"
    assert (explicit.actor, explicit.command, explicit.correlation_id) == ("user:7", "create", "corr-same-01")
    assert verify_chain(db_session, chain_key()).holds


def test_an_insert_outside_a_unit_of_work_is_refused_and_writes_nothing(db_session):
    with pytest.raises(UnitOfWorkError, match="would not be audited"):
        insert_audited(db_session, Agent, _agent_values("unaudited"))
    db_session.rollback()
    assert db_session.scalar(sa.select(Agent.id).where(Agent.slug == "unaudited")) is None


def test_an_insert_naming_no_column_or_an_unaudited_model_is_refused_and_writes_nothing(db_session):
    with SessionUnitOfWork(db_session, command="create", actor=ACTOR) as uow:
        with pytest.raises(UnitOfWorkError, match="has no column emial"):
            insert_audited(db_session, Agent, {**_agent_values("misspelt"), "emial": "x@example.com"})
        with pytest.raises(UnitOfWorkError, match="not an audited entity"):
            insert_audited(db_session, IdempotencyRecord, {"key": "k", "command": "c", "request_hash": "h"})
        assert uow.pending_audit_events == [] and uow.rows_written == 0
    assert db_session.scalar(sa.select(Agent.id).where(Agent.slug == "misspelt")) is None


def test_events_chain_and_verify(db_session, app):
    with SessionUnitOfWork(db_session, command="many", actor=ACTOR) as uow:
        db_session.add_all(
            Agent(
                slug=f"chain-{n}",
                name=f"C{n}",
                email=f"c{n}@example.com",
                commission_rate_bps=1,
                currency="EUR",
            )
            for n in range(5)
        )
        uow.commit()
    events = list(db_session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    report = verify_chain(db_session, chain_key())
    assert report.holds and report.checked == len(events) >= 5


def test_explicit_events_join_the_chain(db_session):
    with SessionUnitOfWork(db_session, command="reveal_setting", actor=ACTOR, reason="support ticket 12") as uow:
        record_event(uow, "reveal", "Setting", "smtp_password")
        uow.commit()
    event = _events_for(db_session, "Setting", "smtp_password")[-1]
    assert (event.action, event.reason, event.command) == ("reveal", "support ticket 12", "reveal_setting")
    assert verify_chain(db_session, chain_key()).holds


def _seed_events(db_session, count: int = 3) -> list[int]:
    with SessionUnitOfWork(db_session, command="seed", actor=ACTOR) as uow:
        db_session.add_all(
            Agent(slug=f"t-{n}", name=f"T{n}", email=f"t{n}@example.com", commission_rate_bps=1, currency="EUR")
            for n in range(count)
        )
        uow.commit()
    return list(db_session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)))


def test_verify_cli_passes_then_names_an_edited_event(db_session, app):
    seqs = _seed_events(db_session)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert f"{len(seqs)} events verified" in ok.output

    db_session.execute(sa.text("UPDATE audit_event SET actor = 'user:999' WHERE seq = :seq"), {"seq": seqs[1]})
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"seq={seqs[1]}" in broken.output and "changed" in broken.output


def test_verify_detects_a_deleted_event(db_session, app):
    seqs = _seed_events(db_session)
    db_session.execute(sa.text("DELETE FROM audit_event WHERE seq = :seq"), {"seq": seqs[0]})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"seq={seqs[1]}" in result.output and "deleted" in result.output


def test_verify_detects_a_deleted_tail(db_session, app):
    seqs = _seed_events(db_session)
    db_session.execute(sa.text("DELETE FROM audit_event WHERE seq = :seq"), {"seq": seqs[-1]})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "deleted" in result.output


def test_audit_rows_cannot_be_changed_through_the_orm(db_session):
    _seed_events(db_session, 1)
    with SessionUnitOfWork(db_session, command="tamper", actor=ACTOR):
        event = db_session.scalars(sa.select(AuditEvent)).first()
        event.actor = "user:0"
        with pytest.raises(UnitOfWorkError, match="append-only"):
            db_session.flush()


def _agent_of_row(session, entity_type: str, entity_id: str) -> int | None:
    """The agent a row belongs to, read from the database: its own id, its ``agent_id``, a refund's payment's."""
    model = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}[entity_type]
    if model is Agent:
        return int(entity_id)
    if model is Refund:
        return session.scalar(
            sa.select(Payment.agent_id).join(Refund, Refund.payment_id == Payment.id).where(Refund.id == int(entity_id))
        )
    if "agent_id" not in model.__table__.c:
        return None
    return session.scalar(sa.select(model.__table__.c.agent_id).where(model.__table__.c.id == int(entity_id)))


def test_every_event_of_a_row_that_belongs_to_an_agent_names_that_agent(db_session):
    load_demo_data(db_session)
    events = db_session.execute(
        sa.select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.action, AuditEvent.agent_id).where(
            AuditEvent.entity_type.in_(audited_entity_types()), AuditEvent.entity_type.not_in(EVENT_ENTITIES)
        )
    ).all()
    named = {(event.entity_type, event.action) for event in events if event.agent_id is not None}
    updates = {("Wallet", "update"), ("Payout", "update"), ("Invoice", "update"), ("Commission", "update"),
               ("Payment", "update")}  # fmt: skip
    assert updates <= named, "an update keeps only the columns it changed, and still names the row's agent"
    assert ("Refund", "insert") in named, "a refund belongs to its payment's agent"
    wrong = [event for event in events if event.agent_id != _agent_of_row(db_session, *event[:2])]
    assert wrong == [], "an event names another agent than its row's"
    assert verify_chain(db_session, chain_key()).holds


def test_an_update_on_the_agents_trail_reads_its_amounts_in_its_rows_currency(db_session):
    with SessionUnitOfWork(db_session, command="create", actor=ACTOR) as uow:
        agent = Agent(slug="two-purses", name="Two Purses", email="t@ex.com", commission_rate_bps=1, currency="EUR")
        db_session.add(agent)
        uow.flush()
        dollars = Wallet(agent_id=agent.id, currency="USD", version=1)
        db_session.add(dollars)
        uow.commit()
    with SessionUnitOfWork(db_session, command="credit", actor=ACTOR) as uow:
        dollars.available_minor += 1250
        uow.commit()

    entries = AuditReadRepository(db_session).for_agent(agent.id, PageRequest()).items
    update = next(entry for entry in entries if (entry.entity_type, entry.action) == ("Wallet", "update"))
    assert update.agent_id == agent.id and update.agent_name == "Two Purses"
    available = next(change for change in update.changes if change.name == "available_minor")
    assert (available.before, available.after) == (Amount(0, "USD"), Amount(1250, "USD")), "not the agent's euros"
