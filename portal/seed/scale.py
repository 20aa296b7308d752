"""Generated data at scale for benchmarks: bulk inserts, consistent with every invariant."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain.money import apply_rate_half_up
from portal.models import Agent, Commission, Invoice, Payment, Wallet, WalletTransaction
from portal.models.base import utcnow
from portal.persistence.audit_events import record_bulk_inserts
from portal.persistence.context import Actor, CommandContext
from portal.persistence.unit_of_work import SessionUnitOfWork, UnitOfWorkFactory
from portal.services.financial_summary import rebuild_summaries

INVOICES_PER_AGENT = 10
CURRENCIES = ("EUR", "USD", "GBP")
STATUS_WEIGHTS = (("paid", 5), ("partially_paid", 2), ("issued", 2), ("draft", 1), ("void", 1))
BATCH = 1_000


@dataclass(frozen=True)
class ScaleReport:
    agents: int
    invoices: int
    payments: int
    commissions: int
    ledger_entries: int


Row = dict[str, Any]


def _bulk_insert_ids(uow: SessionUnitOfWork, model, rows: list[Row], key: str) -> list[int]:
    """Bulk-insert ``rows`` and return their ids in order, matched on the unique ``key``.

    Plain multi-row inserts, then one read back: PostgreSQL cannot return ids
    in parameter order from a batched insert without going row by row. The
    rows are audited as if inserted one by one.
    """
    session = uow.session
    table = model.__table__
    newest_before = session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    for start in range(0, len(rows), BATCH):
        session.execute(sa.insert(table), rows[start : start + BATCH])
    stored = session.execute(sa.select(table.c[key], table.c.id).where(table.c.id > newest_before))
    ids_by_key: dict[Any, int] = {natural_key: row_id for natural_key, row_id in stored}
    ids = [ids_by_key[row[key]] for row in rows]
    record_bulk_inserts(uow, model, [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)])
    return ids


def load_scale_data(session: Session, agents: int, seed: int = 7, correlation_id: str | None = None) -> ScaleReport:
    """Add ``agents`` agents, each with invoices, payments, commissions and a funded wallet."""
    if agents < 1:
        raise ValueError("the number of agents must be at least 1")
    rng = random.Random(seed)
    statuses = [status for status, weight in STATUS_WEIGHTS for _ in range(weight)]
    now = utcnow()
    units = UnitOfWorkFactory(session, CommandContext(Actor.system("seed"), correlation_id))
    with units("seed_scale") as uow:
        first = (session.scalar(sa.select(sa.func.max(Agent.id))) or 0) + 1
        agent_rows: list[Row] = [
            {
                "slug": f"agent-{first + i:06d}",
                "name": f"Scale Agent {first + i:06d}",
                "email": f"agent{first + i}@scale.example",
                "phone": None,
                "status": "active",
                "commission_rate_bps": rng.choice((500, 750, 1000, 1250, 1500)),
                "currency": rng.choice(CURRENCIES),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(agents)
        ]
        agent_ids = _bulk_insert_ids(uow, Agent, agent_rows, "slug")
        invoice_rows: list[Row] = []
        payment_specs: list[tuple[int, Row, int, datetime]] = []
        for agent_id, row in zip(agent_ids, agent_rows, strict=True):
            for n in range(INVOICES_PER_AGENT):
                status = rng.choice(statuses)
                amount = rng.randrange(5_000, 500_000)
                paid = {"paid": amount, "partially_paid": amount * rng.randrange(10, 90) // 100}.get(status, 0)
                issued = now - timedelta(days=rng.randrange(1, 365))
                invoice_rows.append(
                    {
                        "agent_id": agent_id,
                        "number": f"S{agent_id:07d}-{n:03d}",
                        "customer_name": f"Customer {n}",
                        "customer_email": None,
                        "description": "",
                        "amount_minor": amount,
                        "paid_minor": paid,
                        "currency": row["currency"],
                        "due_date": (issued + timedelta(days=30)).date(),
                        "status": status,
                        "issued_at": None if status == "draft" else issued,
                        "voided_at": issued if status == "void" else None,
                        "created_at": issued,
                        "updated_at": issued,
                        "version": 1,
                    }
                )
                payment_specs.append((agent_id, row, paid, issued))
        invoice_ids = _bulk_insert_ids(uow, Invoice, invoice_rows, "number")

        payment_rows: list[Row] = []
        commission_specs: list[tuple[int, Row, int, datetime]] = []
        for invoice_id, (agent_id, row, paid, issued) in zip(invoice_ids, payment_specs, strict=True):
            if not paid:
                continue
            received = issued + timedelta(days=rng.randrange(0, 20))
            payment_rows.append(
                {
                    "invoice_id": invoice_id,
                    "agent_id": agent_id,
                    "amount_minor": paid,
                    "refunded_minor": 0,
                    "currency": row["currency"],
                    "method": "card",
                    "instrument_last4": f"{rng.randrange(10_000):04d}",
                    "external_reference": None,
                    "idempotency_key": f"scale-payment-{invoice_id}",
                    "status": "succeeded",
                    "received_at": received,
                    "recorded_by": "system:seed",
                    "version": 1,
                }
            )
            commission_specs.append((agent_id, row, paid, received))
        payment_ids = _bulk_insert_ids(uow, Payment, payment_rows, "idempotency_key")

        commission_rows: list[Row] = []
        for payment_id, (agent_id, row, paid, received) in zip(payment_ids, commission_specs, strict=True):
            credited = received < now - timedelta(days=30)
            commission_rows.append(
                {
                    "agent_id": agent_id,
                    "payment_id": payment_id,
                    "refund_id": None,
                    "kind": "commission",
                    "rate_bps": row["commission_rate_bps"],
                    "base_amount_minor": paid,
                    "amount_minor": apply_rate_half_up(paid, row["commission_rate_bps"]),
                    "currency": row["currency"],
                    "status": "credited" if credited else "pending",
                    "created_at": received,
                    "approved_at": received if credited else None,
                    "approved_by": "system:seed" if credited else None,
                    "credited_at": received if credited else None,
                    "version": 1,
                }
            )
        commission_ids = _bulk_insert_ids(uow, Commission, commission_rows, "payment_id")

        credits = sorted(
            (
                (commission["credited_at"], commission_id, commission)
                for commission_id, commission in zip(commission_ids, commission_rows, strict=True)
                if commission["status"] == "credited" and commission["amount_minor"]
            ),
            key=lambda item: (item[0], item[1]),
        )
        balances: dict[int, int] = dict.fromkeys(agent_ids, 0)
        for _, _, commission in credits:
            balances[commission["agent_id"]] += commission["amount_minor"]
        wallet_ids = _bulk_insert_ids(
            uow,
            Wallet,
            [
                {
                    "agent_id": agent_id,
                    "currency": row["currency"],
                    "available_minor": balances[agent_id],
                    "held_minor": 0,
                    "version": 1,
                    "updated_at": now,
                }
                for agent_id, row in zip(agent_ids, agent_rows, strict=True)
            ],
            "agent_id",
        )
        wallet_of = dict(zip(agent_ids, wallet_ids, strict=True))
        running: dict[int, int] = dict.fromkeys(agent_ids, 0)
        ledger_rows: list[Row] = []
        for credited_at, commission_id, commission in credits:
            agent_id = commission["agent_id"]
            running[agent_id] += commission["amount_minor"]
            ledger_rows.append(
                {
                    "wallet_id": wallet_of[agent_id],
                    "agent_id": agent_id,
                    "kind": "commission_credit",
                    "currency": commission["currency"],
                    "available_delta_minor": commission["amount_minor"],
                    "held_delta_minor": 0,
                    "available_after_minor": running[agent_id],
                    "held_after_minor": 0,
                    "idempotency_key": f"scale-credit-{commission_id}",
                    "source_type": "commission",
                    "source_id": commission_id,
                    "reason": None,
                    "actor": "system:seed",
                    "correlation_id": uow.correlation_id,
                    "created_at": credited_at,
                }
            )
        _bulk_insert_ids(uow, WalletTransaction, ledger_rows, "idempotency_key")
        rebuild_summaries(session, agent_ids)
        report = ScaleReport(len(agent_ids), len(invoice_ids), len(payment_ids), len(commission_ids), len(ledger_rows))
        uow.commit()
    return report
