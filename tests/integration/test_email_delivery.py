"""Notification e-mails: queued in the command's transaction, delivered after commit, never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.domain import errors
from portal.models import EmailOutbox, Notification, Setting
from portal.models.base import utcnow
from portal.persistence.context import CommandContext
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork, UnitOfWorkFactory, active_unit_of_work
from portal.security.secure_settings import SettingNotValid, definition_of
from portal.services.accounts import CreateStaffUser
from portal.services.agents import CreateAgent
from portal.services.email_delivery import BACKOFF, LEASE, MAX_ATTEMPTS, SmtpSettings, deliver_due
from tests.support.money import MoneyWorld
from tests.support.smtp import free_port, start_smtp_server


@pytest.fixture
def smtp_server():
    controller, inbox = start_smtp_server()
    yield controller, inbox
    controller.stop()


def _settings(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1", port=port, user="", password=None, starttls=False, sender="Portal <portal@example.test>"
    )


def _unit(session):
    return lambda command: SessionUnitOfWork(session, command=command, actor=Actor.system("mailer"))


def _paid_agent_with_two_users(world: MoneyWorld, make) -> int:
    agent = world.agent()
    make.user(role="agent", agent_id=agent, email="first.user@agency.example")
    make.user(role="agent", agent_id=agent, email="second.user@agency.example")
    invoice = world.invoice(agent, 10_000)
    world.pay(invoice, 10_000)
    return agent


def test_a_payment_queues_one_email_per_agent_user_and_delivery_sends_them(db_session, make, smtp_server):
    controller, inbox = smtp_server
    world = MoneyWorld(db_session)
    _paid_agent_with_two_users(world, make)
    queued = db_session.scalars(sa.select(EmailOutbox).where(EmailOutbox.status == "pending")).all()
    assert len(queued) == 2
    report = deliver_due(_unit(db_session), _settings(controller.port))
    assert report.sent == 2 and not report.errors
    recipients = sorted(rcpt for _, rcpts in inbox.envelopes for rcpt in rcpts)
    assert recipients == ["first.user@agency.example", "second.user@agency.example"]
    message = inbox.messages[0]
    assert message["Subject"].startswith("Payment received for invoice")
    body = message.get_payload(decode=True).decode()
    assert "€100.00 was received for invoice" in body and "pending approval" in body
    statuses = set(db_session.scalars(sa.select(EmailOutbox.status)))
    assert statuses == {"sent"}
    assert deliver_due(_unit(db_session), _settings(controller.port)).sent == 0, "nothing is sent twice"


def test_staff_notifications_go_to_admins_and_finance_only(db_session, make, smtp_server):
    controller, inbox = smtp_server
    make.user(role="admin", email="ada@ops.example")
    make.user(role="finance", email="finn@ops.example")
    make.user(role="viewer", email="vera@ops.example")
    world = MoneyWorld(db_session)
    agent = world.agent()
    world.fund(agent, 5_000)
    world.orchestrator.request_payout(agent_id=agent, amount_minor=2_000, currency="EUR", idempotency_key="p")
    deliver_due(_unit(db_session), _settings(controller.port))
    staff = sorted(r for _, rcpts in inbox.envelopes for r in rcpts if r.endswith("@ops.example"))
    assert staff == ["ada@ops.example", "finn@ops.example"]


def test_a_failing_server_is_retried_with_back_off_then_kept_as_failed(db_session, make):
    world = MoneyWorld(db_session)
    agent = world.agent()
    make.user(role="agent", agent_id=agent, email="only.user@agency.example")
    world.pay(world.invoice(agent, 10_000), 10_000)
    closed = _settings(free_port())
    moment = [utcnow()]
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver_due(_unit(db_session), closed, clock=lambda: moment[0])
        outbox = db_session.scalars(sa.select(EmailOutbox)).one()
        db_session.refresh(outbox)
        assert outbox.attempts == attempt and outbox.last_error
        assert deliver_due(_unit(db_session), closed, clock=lambda: moment[0]).retried == 0, "not before its time"
        if attempt < MAX_ATTEMPTS:
            assert report.retried == 1 and outbox.status == "pending"
            waits.append(outbox.next_attempt_at - moment[0])
            moment[0] = outbox.next_attempt_at + timedelta(seconds=1)
        else:
            assert report.failed == 1 and outbox.status == "failed"
    assert waits == list(BACKOFF)
    assert "ConnectionRefusedError" in outbox.last_error


def test_delivery_resumes_after_the_server_comes_back(db_session, make, smtp_server):
    controller, inbox = smtp_server
    world = MoneyWorld(db_session)
    agent = world.agent()
    make.user(role="agent", agent_id=agent, email="patient.user@agency.example")
    world.pay(world.invoice(agent, 10_000), 10_000)
    deliver_due(_unit(db_session), _settings(free_port()))
    later = utcnow() + BACKOFF[0] + timedelta(seconds=1)
    report = deliver_due(_unit(db_session), _settings(controller.port), clock=lambda: later)
    assert report.sent == 1 and len(inbox.messages) == 1


def _one_queued_email(db_session, make) -> None:
    world = MoneyWorld(db_session)
    agent = world.agent()
    make.user(role="agent", agent_id=agent, email="leased.user@agency.example")
    world.pay(world.invoice(agent, 10_000), 10_000)


def test_no_transaction_is_open_while_the_smtp_server_is_talked_to(db_session, make):
    _one_queued_email(db_session, make)
    now = utcnow()
    seen = []

    def send(settings, message) -> None:
        outbox = db_session.scalars(sa.select(EmailOutbox)).one()
        seen.append((active_unit_of_work(), outbox.status, outbox.next_attempt_at, message["To"]))
        db_session.rollback()

    report = deliver_due(_unit(db_session), _settings(free_port()), send=send, clock=lambda: now)
    assert report.sent == 1
    ((unit_during_send, status, leased_until, recipient),) = seen
    assert unit_during_send is None, "the claim committed before sending"
    assert status == "pending" and leased_until == now + LEASE, "the claim leased the e-mail"
    assert recipient == "leased.user@agency.example"
    assert db_session.scalars(sa.select(EmailOutbox.status)).one() == "sent"


def test_an_email_whose_sender_crashed_is_sent_again_once_its_lease_runs_out(db_session, make):
    _one_queued_email(db_session, make)
    now = utcnow()
    sent = []

    class Died(BaseException):
        """The process is killed mid-send: nothing in it gets to record anything."""

    def crash(settings, message) -> None:
        raise Died

    with pytest.raises(Died):
        deliver_due(_unit(db_session), _settings(free_port()), send=crash, clock=lambda: now)
    outbox = db_session.scalars(sa.select(EmailOutbox)).one()
    assert outbox.status == "pending" and outbox.attempts == 0

    def record(settings, message) -> None:
        sent.append(message["To"])

    assert deliver_due(_unit(db_session), _settings(free_port()), send=record, clock=lambda: now).sent == 0
    later = now + LEASE + timedelta(seconds=1)
    assert deliver_due(_unit(db_session), _settings(free_port()), send=record, clock=lambda: later).sent == 1
    assert sent == ["leased.user@agency.example"]


def test_deliver_cli_says_when_email_is_off(app, db_session):
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0 and "e-mail is off" in result.output


def _queue_notifications(db_session, make, count: int, poisoned: int) -> None:
    """``count`` staff notifications (one e-mail each to one admin), the ``poisoned``-th with a line break."""
    make.user(role="admin", email="only.admin@ops.example")
    units = UnitOfWorkFactory(db_session, CommandContext(Actor.system("test")))
    with units("queue_test_notifications") as uow:
        for n in range(count):
            subject = "Payout requested by Bluebird\r\nBcc: x@evil.example" if n == poisoned else f"Notice {n}"
            uow.notifications.add(Notification(audience="staff", kind="test", subject=subject, body=f"Body {n}"))
        uow.commit()


def test_hardening_18_one_poison_email_among_100_fails_alone_and_the_rest_are_sent(db_session, make, smtp_server):
    controller, inbox = smtp_server
    _queue_notifications(db_session, make, 101, poisoned=37)
    report = deliver_due(_unit(db_session), _settings(controller.port), limit=500)
    assert (report.sent, report.failed, report.retried) == (100, 1, 0)
    assert len(inbox.messages) == 100 and all("evil" not in str(m) for m in inbox.messages)
    failed = db_session.scalars(sa.select(EmailOutbox).where(EmailOutbox.status == "failed")).one()
    assert failed.attempts == 1 and failed.last_error.startswith("ValueError: ")
    assert "x@evil.example" not in failed.last_error, "the reason is masked"
    assert deliver_due(_unit(db_session), _settings(controller.port)).sent == 0, "nothing is left behind"


def test_hardening_18_names_and_the_sender_with_line_breaks_are_refused(db_session):
    with pytest.raises(errors.InputNotValid, match="cannot contain line breaks") as refused:
        CreateAgent(idempotency_key="k", slug="bb", agent_name="Bluebird\r\nBcc: x@evil.example",
                    email="b@example.com", commission_rate_bps=100, currency="EUR")  # fmt: skip
    assert refused.value.field == "name"
    with pytest.raises(errors.InputNotValid) as refused:
        CreateStaffUser(idempotency_key="k", email="a@example.com", full_name="Ann\nBcc: x@evil.example",
                        role="admin", password="long enough password")  # fmt: skip
    assert refused.value.field == "full_name"
    with pytest.raises(SettingNotValid, match="cannot contain line breaks"):
        definition_of("smtp_from").parse("Portal <p@example.com>\r\nBcc: x@evil.example")
    with pytest.raises(SettingNotValid, match="Give the sender as an address"):
        definition_of("smtp_from").parse("not an address")
    assert definition_of("smtp_from").parse("Agent Portal <portal@example.com>") == "Agent Portal <portal@example.com>"


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029", "\x0b", "\x00"])
def test_hardening_18_the_sender_refuses_every_kind_of_line_break(separator):
    with pytest.raises(SettingNotValid, match="cannot contain line breaks"):
        definition_of("smtp_from").parse(f"Portal <p@example.com>{separator}Bcc: x@evil.example")


def test_hardening_18_a_bad_sender_stored_before_the_rule_keeps_every_email_waiting(app, db_session, make):
    _queue_notifications(db_session, make, 3, poisoned=-1)
    rows = [{"name": "smtp_host", "value": "127.0.0.1"}, {"name": "smtp_from", "value": "P <p@x.example>\x85Bcc: e@x"}]
    db_session.execute(
        sa.insert(Setting.__table__), [{**row, "is_secret": False, "updated_by": "test", "updated_at": utcnow()}
                                       for row in rows]
    )  # fmt: skip
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 1
    assert "sender" in result.output and "line breaks" in result.output, result.output
    waiting = db_session.scalars(sa.select(EmailOutbox)).all()
    assert len(waiting) == 3 and {(e.status, e.attempts) for e in waiting} == {("pending", 0)}, "none is spent"
