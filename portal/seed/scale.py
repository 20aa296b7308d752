"""Generated data at scale for benchmarks: bulk writes, consistent with every invariant.

Agents are generated in chunks, each written (COPY on PostgreSQL) with its
audit events before the next is built, so memory stays flat however many
agents and however deep their ledgers. Every row is audited as the command
that would have written it audits it: a ledger entry has its insert event and
its wallet's update event; ``ledger verify`` and ``audit verify`` pass.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from portal.domain.money import apply_rate_half_up
from portal.models import Agent, Commission, Invoice, Payment, Wallet, WalletTransaction
from portal.models.base import utcnow
from portal.persistence.audit_events import (
    append_pending,
    audited_values,
    common_fields,
    record_bulk_inserts,
    row_agent,
)
from portal.persistence.context import Actor, CommandContext
from portal.persistence.unit_of_work import SessionUnitOfWork, UnitOfWorkFactory
from portal.seed.bulk import BulkWriter, Row, chunks
from portal.services.financial_summary import rebuild_summaries

INVOICES_PER_AGENT = 10
CURRENCIES = ("EUR", "USD", "GBP")
RATES = (500, 750, 1000, 1250, 1500)
STATUS_WEIGHTS = (("paid", 5), ("partially_paid", 2), ("issued", 2), ("draft", 1), ("void", 1))
#: Agents generated and written together: the unit that bounds memory.
CHUNK = 200
ADJUSTMENT_MINOR = 500


@dataclass
class ScaleReport:
    agents: int = 0
    invoices: int = 0
    payments: int = 0
    commissions: int = 0
    ledger_entries: int = 0
    #: events in the whole audit chain afterwards
    audit_events: int = 0
    agent_ids: list[int] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class Depth:
    """How deep each agent's history goes beyond its invoices."""

    #: adjustments per agent, in pairs (+5.00 then −5.00), each a ledger entry with its wallet's update
    ledger_per_agent: int = 0
    #: profile edits per agent (its commission rate changed), each an audit event
    audit_per_agent: int = 0


class _Chunk:
    """One chunk of agents: every row generated for them, written with its audit events."""

    def __init__(self, uow: SessionUnitOfWork, writer: BulkWriter, rng: random.Random, now: datetime) -> None:
        self.uow, self.writer, self.rng, self.now = uow, writer, rng, now

    def write(self, model, rows: list[Row]) -> None:
        self.writer.write(self.uow.session.connection(), model.__table__, rows)
        record_bulk_inserts(self.uow, model, rows, self.writer.write)

    def with_ids(self, model, rows: list[Row]) -> list[Row]:
        for row, row_id in zip(rows, self.writer.ids(model.__table__, len(rows)), strict=True):
            row["id"] = row_id
        return rows

    def agents(self, count: int) -> list[Row]:
        rows = self.with_ids(Agent, [{} for _ in range(count)])
        for row in rows:
            n = row["id"]
            row.update(slug=f"agent-{n:06d}", name=f"Scale Agent {n:06d}", email=f"agent{n}@scale.example",
                       phone=None, status="active", commission_rate_bps=self.rng.choice(RATES),
                       currency=self.rng.choice(CURRENCIES), created_at=self.now, updated_at=self.now)  # fmt: skip
        self.write(Agent, rows)
        return rows

    def invoices(self, agents: list[Row]) -> list[Row]:
        statuses = [status for status, weight in STATUS_WEIGHTS for _ in range(weight)]
        rows = []
        for agent in agents:
            for n in range(INVOICES_PER_AGENT):
                status = self.rng.choice(statuses)
                amount = self.rng.randrange(5_000, 500_000)
                paid = {"paid": amount, "partially_paid": amount * self.rng.randrange(10, 90) // 100}.get(status, 0)
                issued = self.now - timedelta(days=self.rng.randrange(1, 365))
                rows.append({
                    "agent_id": agent["id"], "number": f"S{agent['id']:07d}-{n:03d}", "customer_name": f"Customer {n}",
                    "customer_email": None, "description": "", "amount_minor": amount, "paid_minor": paid,
                    "currency": agent["currency"], "due_date": (issued + timedelta(days=30)).date(), "status": status,
                    "issued_at": None if status == "draft" else issued,
                    "voided_at": issued if status == "void" else None,
                    "created_at": issued, "updated_at": issued, "version": 1,
                })  # fmt: skip
        self.write(Invoice, self.with_ids(Invoice, rows))
        return rows

    def payments(self, invoices: list[Row]) -> list[Row]:
        rows = []
        for invoice in invoices:
            if not invoice["paid_minor"]:
                continue
            received = invoice["issued_at"] + timedelta(days=self.rng.randrange(0, 20))
            rows.append({
                "invoice_id": invoice["id"], "agent_id": invoice["agent_id"], "amount_minor": invoice["paid_minor"],
                "refunded_minor": 0, "currency": invoice["currency"], "method": "card",
                "instrument_last4": f"{self.rng.randrange(10_000):04d}", "external_reference": None,
                "idempotency_key": f"scale-payment-{invoice['id']}", "status": "succeeded", "received_at": received,
                "recorded_by": "system:seed", "version": 1,
            })  # fmt: skip
        self.write(Payment, self.with_ids(Payment, rows))
        return rows

    def commissions(self, payments: list[Row], rate_of: dict[int, int]) -> list[Row]:
        rows = []
        for payment in payments:
            received, rate = payment["received_at"], rate_of[payment["agent_id"]]
            credited = received < self.now - timedelta(days=30)
            rows.append({
                "agent_id": payment["agent_id"], "payment_id": payment["id"], "refund_id": None, "kind": "commission",
                "rate_bps": rate, "base_amount_minor": payment["amount_minor"],
                "amount_minor": apply_rate_half_up(payment["amount_minor"], rate), "currency": payment["currency"],
                "status": "credited" if credited else "pending", "created_at": received,
                "approved_at": received if credited else None, "approved_by": "system:seed" if credited else None,
                "credited_at": received if credited else None, "version": 1,
            })  # fmt: skip
        self.write(Commission, self.with_ids(Commission, rows))
        return rows

    def wallets(self, agents: list[Row], commissions: list[Row], depth: Depth) -> int:
        """Each agent's wallet and ledger: its credited commissions, then its adjustments. Returns the entries."""
        credits: dict[int, list[Row]] = {agent["id"]: [] for agent in agents}
        for commission in commissions:
            if commission["status"] == "credited" and commission["amount_minor"]:
                credits[commission["agent_id"]].append(commission)
        wallets = self.with_ids(Wallet, [{"agent_id": agent["id"], "currency": agent["currency"]} for agent in agents])
        ledger: list[Row] = []
        updates: list[tuple[Row, int, int]] = []
        for wallet in wallets:
            entries = sorted(credits[wallet["agent_id"]], key=lambda c: (c["credited_at"], c["id"]))
            moves = [(c["amount_minor"], "commission_credit", "commission", c["id"], c["credited_at"]) for c in entries]
            for k in range(depth.ledger_per_agent):
                at = self.now - timedelta(minutes=depth.ledger_per_agent - k)
                amount = ADJUSTMENT_MINOR if k % 2 == 0 else -ADJUSTMENT_MINOR
                moves.append((amount, "adjustment", "adjustment", None, at))
            balance = 0
            for amount, kind, source_type, source_id, at in moves:
                before, balance = balance, balance + amount
                ledger.append({
                    "wallet_id": wallet["id"], "agent_id": wallet["agent_id"], "kind": kind,
                    "currency": wallet["currency"], "available_delta_minor": amount, "held_delta_minor": 0,
                    "available_after_minor": balance, "held_after_minor": 0, "idempotency_key": "",
                    "source_type": source_type, "source_id": source_id,
                    "reason": "Generated data" if kind == "adjustment" else None, "actor": "system:seed",
                    "correlation_id": self.uow.correlation_id, "created_at": at,
                })  # fmt: skip
                if kind == "adjustment":
                    updates.append((wallet, before, balance))
            wallet.update(available_minor=balance, held_minor=0, updated_at=self.now,
                          version=1 + sum(1 for m in moves if m[1] == "adjustment"))  # fmt: skip
        self.write(Wallet, wallets)
        self.with_ids(WalletTransaction, ledger)
        for entry in ledger:
            entry["idempotency_key"] = f"scale-{entry['kind']}-{entry['source_id'] or entry['id']}"
        self.write(WalletTransaction, ledger)
        self.audit_wallet_updates(updates)
        return len(ledger)

    def audit_wallet_updates(self, updates: list[tuple[Row, int, int]]) -> None:
        """The wallet's update event for each adjustment, as the adjustment command writes it."""
        versions: dict[int, int] = {}
        events = []
        common = common_fields(self.uow)
        for wallet, before, after in updates:
            version = versions[wallet["id"]] = versions.get(wallet["id"], 1) + 1
            events.append(self._event("update", Wallet, wallet, common,
                                      {"available_minor": before, "version": version - 1},
                                      {"available_minor": after, "version": version}))  # fmt: skip
        append_pending(self.uow, events, self.writer.write)

    def audit_profile_edits(self, agents: list[Row], edits: int) -> None:
        """``edits`` changes of each agent's commission rate, ending at the rate it has."""
        common = common_fields(self.uow)
        events = []
        for agent in agents:
            rates = [self.rng.choice(RATES) for _ in range(edits)] + [agent["commission_rate_bps"]]
            for before, after in itertools.pairwise(rates):
                events.append(self._event("update", Agent, agent, common,
                                          {"commission_rate_bps": before}, {"commission_rate_bps": after}))  # fmt: skip
        append_pending(self.uow, events, self.writer.write)

    def _event(self, action: str, model, row: Row, common: dict, before: dict, after: dict) -> dict:
        """The event of a change to ``row``, naming its agent as the hook would."""
        return {**common, "action": action, "entity_type": model.__name__, "entity_id": str(row["id"]),
                "before": audited_values(model, before), "after": audited_values(model, after),
                "agent_id": row_agent(self.uow.session, model, row.get)}  # fmt: skip


def load_scale_data(
    session: Session,
    agents: int,
    seed: int = 7,
    correlation_id: str | None = None,
    depth: Depth | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ScaleReport:
    """Add ``agents`` agents with invoices, payments, commissions, a wallet and ``depth`` of history.

    ``on_progress`` is called with the number of agents written after each chunk.
    """
    if agents < 1:
        raise ValueError("the number of agents must be at least 1")
    depth = depth or Depth()
    rng = random.Random(seed)
    report = ScaleReport()
    units = UnitOfWorkFactory(session, CommandContext(Actor.system("seed"), correlation_id))
    with units("seed_scale") as uow:
        uow.lock_audit_chain()
        writer = BulkWriter(session.connection())
        chunk = _Chunk(uow, writer, rng, utcnow())
        for agent_range in chunks(agents, CHUNK):
            agent_rows = chunk.agents(len(agent_range))
            invoices = chunk.invoices(agent_rows)
            payments = chunk.payments(invoices)
            commissions = chunk.commissions(payments, {a["id"]: a["commission_rate_bps"] for a in agent_rows})
            report.ledger_entries += chunk.wallets(agent_rows, commissions, depth)
            if depth.audit_per_agent:
                chunk.audit_profile_edits(agent_rows, depth.audit_per_agent)
            report.agents += len(agent_rows)
            report.invoices += len(invoices)
            report.payments += len(payments)
            report.commissions += len(commissions)
            report.agent_ids.extend(agent["id"] for agent in agent_rows)
            if on_progress is not None:
                on_progress(len(agent_rows))
        writer.finish()
        rebuild_summaries(session, report.agent_ids)
        report.audit_events = uow.chain_head[0] if uow.chain_head else 0
        uow.commit()
    return report
