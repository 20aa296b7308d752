"""The database itself refuses rows that break the domain's rules."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.models import Agent, Commission, Invoice, Payment, Payout, Wallet, WalletTransaction
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork

ACTOR = Actor.system("test")


def _refused(session, *rows) -> None:
    # PostgreSQL reports a value too long for its column as a DataError.
    with pytest.raises((IntegrityError, DataError)):
        with SessionUnitOfWork(session, command="bad_row", actor=ACTOR) as uow:
            session.add_all(rows)
            uow.flush()


def _invoice(agent_id: int, **fields) -> Invoice:
    values = dict(
        agent_id=agent_id,
        number=f"N-{fields.get('number', 'x')}",
        customer_name="C",
        amount_minor=1000,
        currency="EUR",
        due_date=date(2027, 1, 1),
        status="issued",
    )
    values.update(fields)
    return Invoice(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "unknown"},
        {"commission_rate_bps": -1},
        {"commission_rate_bps": 10_001},
        {"currency": "eur"},
        {"currency": "EURO"},
        {"slug": ""},
    ],
)
def test_agent_rules(db_session, fields):
    values = dict(slug="ok", name="Ok", email="ok@example.com", commission_rate_bps=100, currency="EUR")
    values.update(fields)
    _refused(db_session, Agent(**values))


def test_agent_slug_is_unique(db_session, make):
    make.agent(slug="taken")
    _refused(
        db_session,
        Agent(slug="taken", name="B", email="b@example.com", commission_rate_bps=1, currency="EUR"),
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"amount_minor": 0},
        {"amount_minor": -100},
        {"paid_minor": 1001},
        {"paid_minor": -1},
        {"status": "paid", "paid_minor": 500},
        {"status": "partially_paid", "paid_minor": 0},
        {"status": "issued", "paid_minor": 10},
        {"status": "lost"},
    ],
)
def test_invoice_rules(db_session, make, fields):
    _refused(db_session, _invoice(make.agent(), **fields))


def test_foreign_keys_are_enforced(db_session):
    _refused(db_session, _invoice(agent_id=987_654))


def test_idempotency_keys_are_unique(db_session, make):
    agent_id = make.agent()
    invoice_id = make.invoice(agent_id, amount_minor=5000)

    def payment() -> Payment:
        return Payment(
            invoice_id=invoice_id,
            agent_id=agent_id,
            amount_minor=100,
            currency="EUR",
            method="card",
            idempotency_key="same-key",
            recorded_by="t",
        )

    with SessionUnitOfWork(db_session, command="first", actor=ACTOR) as uow:
        db_session.add(payment())
        uow.commit()
    _refused(db_session, payment())


@pytest.mark.parametrize(
    "fields",
    [{"amount_minor": 0}, {"refunded_minor": 101}, {"method": "bitcoin"}, {"instrument_last4": "12345"}],
)
def test_payment_rules(db_session, make, fields):
    agent_id = make.agent()
    invoice_id = make.invoice(agent_id)
    values = dict(
        invoice_id=invoice_id,
        agent_id=agent_id,
        amount_minor=100,
        currency="EUR",
        method="card",
        idempotency_key=f"k-{fields}",
        recorded_by="t",
    )
    values.update(fields)
    _refused(db_session, Payment(**values))


def test_a_clawback_must_be_negative_and_a_commission_positive(db_session, make):
    agent_id = make.agent()
    invoice_id = make.invoice(agent_id)
    with SessionUnitOfWork(db_session, command="pay", actor=ACTOR) as uow:
        payment = Payment(
            invoice_id=invoice_id,
            agent_id=agent_id,
            amount_minor=100,
            currency="EUR",
            method="card",
            idempotency_key="p-1",
            recorded_by="t",
        )
        db_session.add(payment)
        uow.flush()
        payment_id = payment.id
        uow.commit()
    _refused(
        db_session,
        Commission(
            agent_id=agent_id,
            payment_id=payment_id,
            kind="commission",
            rate_bps=100,
            base_amount_minor=100,
            amount_minor=-1,
            currency="EUR",
        ),
    )


@pytest.mark.parametrize(
    ("kind", "available", "held"),
    [
        ("commission_credit", -5, 0),
        ("clawback", 5, 0),
        ("payout_hold", -5, 4),
        ("payout_debit", -5, -5),
        ("adjustment", 0, 0),
        ("mystery", 5, 0),
    ],
)
def test_ledger_entries_must_move_balances_as_their_kind_says(db_session, make, kind, available, held):
    agent_id = make.agent()
    wallet_id = make.wallet(agent_id)
    _refused(
        db_session,
        WalletTransaction(
            wallet_id=wallet_id,
            agent_id=agent_id,
            kind=kind,
            currency="EUR",
            available_delta_minor=available,
            held_delta_minor=held,
            available_after_minor=0,
            held_after_minor=0,
            idempotency_key=f"e-{kind}",
            source_type="test",
            actor="t",
            correlation_id="c",
        ),
    )


def test_a_rejected_payout_needs_a_reason(db_session, make):
    agent_id = make.agent()
    wallet_id = make.wallet(agent_id)
    _refused(
        db_session,
        Payout(
            agent_id=agent_id,
            wallet_id=wallet_id,
            amount_minor=100,
            currency="EUR",
            status="rejected",
            idempotency_key="po-1",
            requested_by="t",
        ),
    )


def test_wallet_version_starts_at_one_and_detects_a_concurrent_writer(db_session, make):
    agent_id = make.agent()
    wallet_id = make.wallet(agent_id)
    assert db_session.scalar(sa.select(Wallet.version).where(Wallet.id == wallet_id)) == 1

    with pytest.raises(StaleDataError), SessionUnitOfWork(db_session, command="credit", actor=ACTOR) as uow:
        wallet = db_session.get(Wallet, wallet_id)
        # another writer bumps the version between our read and our write
        db_session.execute(sa.text("UPDATE wallet SET version = version + 1 WHERE id = :id"), {"id": wallet_id})
        wallet.available_minor += 100
        uow.flush()
    assert db_session.scalar(sa.select(Wallet.available_minor).where(Wallet.id == wallet_id)) == 0


def test_wallet_version_is_not_nullable(db_session, make):
    agent_id = make.agent()
    with pytest.raises(IntegrityError), SessionUnitOfWork(db_session, command="raw", actor=ACTOR):
        db_session.execute(
            sa.text(
                "INSERT INTO wallet (agent_id, currency, available_minor, held_minor, version, updated_at)"
                " VALUES (:a, 'EUR', 0, 0, NULL, CURRENT_TIMESTAMP)"
            ),
            {"a": agent_id},
        )
