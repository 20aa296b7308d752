"""Throughput of ``record_payment``: the FinancialOrchestrator against the same SQL through psycopg.

Both runs use 8 worker processes on a fresh PostgreSQL database seeded at
scale, pay the same kind of invoices, and write the same rows: payment,
invoice update, commission, notification, summary increments, idempotency
record and the three chained audit events. The raw run sends the statements the
orchestrator sends (captured and kept in step by tests/integration/test_bench_parity.py),
with no ORM, no unit of work and no validation beyond what the SQL needs.

    .venv/bin/python bench/orchestrator.py [--workers 8] [--payments 250] [--agents 1000] [--ledger-per-agent 100]

The database comes from BENCH_DATABASE_URL (a server URL; a database is
created on it and dropped afterwards), else the server on 127.0.0.1:5432.
Each run is measured in alternating rounds (noise on a shared machine hits
both); the medians are compared. The last line is
``ratio=<orchestrator throughput / raw throughput>``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy.engine import make_url

from portal.config import normalise_database_url
from portal.domain.money import apply_rate_half_up, format_money
from portal.persistence.audit_chain import derive_chain_key, event_hash, head_mac
from portal.security.masking import mask_text

SECRET_KEY = "benchmark-secret-key-long-enough-for-hmac-0001"
PAYMENT_MINOR = 1_000


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def app_config(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2},
    }


def prepare(database_url: str, agents: int, workers: int, ledger_per_agent: int = 0) -> dict[str, list[int]]:
    """Migrate, seed at scale, and give each worker of each run its own issued invoices."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.persistence.context import Actor, CommandContext
    from portal.seed.scale import Depth, load_scale_data
    from portal.services.invoicing import CreateInvoice, IssueInvoice
    from portal.services.running import command_runner

    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
        load_scale_data(db.session, agents, depth=Depth(ledger_per_agent=ledger_per_agent))
        import sqlalchemy as sa

        from portal.models import Agent

        chosen = db.session.execute(sa.select(Agent.id, Agent.currency).order_by(Agent.id).limit(workers * 2 * 4)).all()
        invoices: dict[str, list[int]] = {"orchestrator": [], "raw": []}
        runner = command_runner(app, db.session, CommandContext(Actor.system("bench")))
        for index, (agent_id, currency) in enumerate(chosen):
            run = "orchestrator" if index % 2 == 0 else "raw"
            invoice_id = runner.run(
                CreateInvoice(
                    idempotency_key=f"bench-invoice-{index}",
                    agent_id=agent_id,
                    customer_name="Benchmark Customer",
                    amount_minor=10**12,
                    currency=currency,
                    due_date=datetime(2030, 1, 1).date(),
                )
            ).invoice_id
            runner.run(IssueInvoice(idempotency_key=f"bench-issue-{index}", invoice_id=invoice_id))
            invoices[run].append(invoice_id)
        db.session.remove()
        db.engine.dispose()
    return invoices


def run_orchestrator(
    database_url: str, invoice_ids: list[int], payments: int, start_at: float, worker: str
) -> list[float]:
    from portal import create_app
    from portal.extensions import db
    from portal.models import Invoice
    from portal.persistence.context import Actor, CommandContext
    from portal.services.money.orchestrator import FinancialOrchestrator

    app = create_app(app_config(database_url))
    latencies = []
    with app.app_context():
        orchestrator = FinancialOrchestrator.for_session(db.session, CommandContext(actor=Actor.system("bench")))
        currencies = {i: db.session.get(Invoice, i).currency for i in invoice_ids}
        db.session.rollback()
        _wait_until(start_at)
        for n in range(payments):
            invoice_id = invoice_ids[n % len(invoice_ids)]
            began = time.perf_counter()
            orchestrator.record_payment(
                invoice_id=invoice_id, amount_minor=PAYMENT_MINOR, currency=currencies[invoice_id], method="card",
                instrument="4111111111111111", idempotency_key=f"bench-orm-{worker}-{n}",
            )  # fmt: skip
            latencies.append(time.perf_counter() - began)
    return latencies


RAW_SQL = {
    "idempotency": "SELECT command, request_hash, result FROM idempotency_record WHERE key = %s",
    "invoice": (
        "SELECT invoice.id, invoice.agent_id, invoice.number, invoice.customer_name, invoice.amount_minor,"
        " invoice.paid_minor, invoice.currency, invoice.status, invoice.version, agent.id, agent.commission_rate_bps,"
        " agent.currency, invoice.customer_email, invoice.description, invoice.due_date, invoice.issued_at,"
        " invoice.voided_at, invoice.created_at, invoice.updated_at, agent.slug, agent.name, agent.email,"
        " agent.phone, agent.status, agent.created_at, agent.updated_at"
        " FROM invoice JOIN agent ON agent.id = invoice.agent_id WHERE invoice.id = %s"
    ),
    "update_invoice": (
        "UPDATE invoice SET paid_minor = %s, status = %s, version = %s, updated_at = %s"
        " WHERE invoice.id = %s AND invoice.version = %s"
    ),
    "payment": (
        "INSERT INTO payment (invoice_id, agent_id, amount_minor, refunded_minor, currency, method, instrument_last4,"
        " external_reference, idempotency_key, status, received_at, recorded_by, version)"
        " VALUES (%s, %s, %s, 0, %s, 'card', %s, NULL, %s, 'succeeded', %s, %s, 1)"
        " RETURNING id, invoice_id, agent_id, amount_minor, refunded_minor, currency, method, instrument_last4,"
        " external_reference, idempotency_key, status, received_at, recorded_by, version"
    ),
    "notification": (
        "INSERT INTO notification (audience, agent_id, kind, subject, body, link, created_at, read_at)"
        " VALUES ('agent', %s, 'payment_received', %s, %s, NULL, %s, NULL) RETURNING id"
    ),
    "outbox": (
        "INSERT INTO email_outbox (notification_id, user_id, status, attempts, next_attempt_at, created_at)"
        " SELECT %s, user_account.id, 'pending', 0, %s, %s FROM user_account"
        " WHERE user_account.agent_id = %s AND user_account.is_active IS true"
    ),
    "commission": (
        "INSERT INTO commission (agent_id, payment_id, refund_id, kind, rate_bps, base_amount_minor, amount_minor,"
        " currency, status, created_at, approved_at, approved_by, credited_at, version)"
        " VALUES (%s, %s, NULL, 'commission', %s, %s, %s, %s, 'pending', %s, NULL, NULL, NULL, 1)"
        " RETURNING id, agent_id, payment_id, refund_id, kind, rate_bps, base_amount_minor, amount_minor, currency,"
        " status, created_at, approved_at, approved_by, credited_at, version"
    ),
    "summary": (
        "UPDATE agent_financial_summary SET collected_minor = collected_minor + %s,"
        " outstanding_minor = outstanding_minor + %s, commissions_pending_minor = commissions_pending_minor + %s,"
        " last_payment_at = CASE WHEN last_payment_at IS NULL OR last_payment_at < %s THEN %s ELSE last_payment_at END,"
        " updated_at = %s WHERE agent_id = %s"
    ),
    "idempotency_insert": (
        "INSERT INTO idempotency_record (key, command, request_hash, result, actor, created_at)"
        " VALUES (%s, 'record_payment', %s, %s, %s, %s)"
    ),
    "lock_head": "UPDATE audit_chain_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash",
    "audit": (
        "INSERT INTO audit_event (seq, occurred_at, actor, action, entity_type, entity_id, before, after, reason,"
        " command, correlation_id, request_ip, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, 'record_payment', %s, NULL, %s, %s)"
    ),
    "move_head": "UPDATE audit_chain_head SET last_seq = %s, last_hash = %s, head_mac = %s WHERE id = 1",
}


def run_raw(database_url: str, invoice_ids: list[int], payments: int, start_at: float, worker: str) -> list[float]:
    key = derive_chain_key(SECRET_KEY)
    actor = "system:bench"
    latencies = []
    with psycopg.connect(libpq(database_url)) as connection:
        _wait_until(start_at)
        for n in range(payments):
            invoice_id = invoice_ids[n % len(invoice_ids)]
            idempotency_key = f"bench-raw-{worker}-{n}"
            began = time.perf_counter()
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(RAW_SQL["idempotency"], (idempotency_key,))
                cursor.fetchone()
                cursor.execute(RAW_SQL["invoice"], (invoice_id,))
                (_, agent_id, number, customer, _amount, paid, currency, status, version,
                 _, rate, _, *_) = cursor.fetchone()  # fmt: skip
                now = datetime.now(UTC)
                paid += PAYMENT_MINOR
                cursor.execute(
                    RAW_SQL["update_invoice"], (paid, "partially_paid", version + 1, now, invoice_id, version)
                )
                cursor.execute(
                    RAW_SQL["payment"],
                    (invoice_id, agent_id, PAYMENT_MINOR, currency, "1111", idempotency_key, now, actor),
                )
                payment_id = cursor.fetchone()[0]
                commission_minor = apply_rate_half_up(PAYMENT_MINOR, rate)
                cursor.execute(
                    RAW_SQL["commission"],
                    (agent_id, payment_id, rate, PAYMENT_MINOR, commission_minor, currency, now),
                )
                commission_id = cursor.fetchone()[0]
                subject = mask_text(f"Payment received for invoice {number}")
                body = mask_text(
                    f"{format_money(PAYMENT_MINOR, currency)} was received for invoice {number} ({customer}). "
                    f"Your commission of {format_money(commission_minor, currency)} is pending approval."
                )
                cursor.execute(RAW_SQL["notification"], (agent_id, subject, body, now))
                notification_id = cursor.fetchone()[0]
                cursor.execute(RAW_SQL["outbox"], (notification_id, now, now, agent_id))
                cursor.execute(
                    RAW_SQL["summary"],
                    (PAYMENT_MINOR, -PAYMENT_MINOR, commission_minor, now, now, now, agent_id),
                )
                result = {"payment_id": payment_id, "invoice_id": invoice_id, "invoice_status": "partially_paid",
                          "commission_id": commission_id, "commission_minor": commission_minor}  # fmt: skip
                cursor.execute(
                    RAW_SQL["idempotency_insert"],
                    (idempotency_key, uuid.uuid4().hex * 2, Jsonb(result), actor, now),
                )
                cursor.execute(RAW_SQL["lock_head"])
                last_seq, last_hash = cursor.fetchone()
                stamp = now.isoformat(timespec="microseconds")
                snapshots = (
                    ("Invoice", invoice_id, {"paid_minor": paid - PAYMENT_MINOR, "status": status},
                     {"paid_minor": paid, "status": "partially_paid"}),
                    ("Payment", payment_id, None, {
                        "id": payment_id, "invoice_id": invoice_id, "agent_id": agent_id, "amount_minor": PAYMENT_MINOR,
                        "refunded_minor": 0, "currency": currency, "method": "card", "instrument_last4": "1111",
                        "external_reference": None, "idempotency_key": idempotency_key, "status": "succeeded",
                        "received_at": stamp, "recorded_by": actor, "version": 1,
                    }),
                    ("Commission", commission_id, None, {
                        "id": commission_id, "agent_id": agent_id, "payment_id": payment_id, "refund_id": None,
                        "kind": "commission", "rate_bps": rate, "base_amount_minor": PAYMENT_MINOR,
                        "amount_minor": commission_minor, "currency": currency, "status": "pending", "created_at": stamp,
                        "approved_at": None, "approved_by": None, "credited_at": None, "version": 1,
                    }),
                )  # fmt: skip
                rows = []
                for entity, entity_id, before, after in snapshots:
                    last_seq += 1
                    event = {
                        "seq": last_seq, "occurred_at": now, "actor": actor, "action": "update" if before else "insert",
                        "entity_type": entity, "entity_id": str(entity_id), "before": before, "after": after,
                        "reason": None, "command": "record_payment", "correlation_id": "bench", "request_ip": None,
                        "prev_hash": last_hash,
                    }  # fmt: skip
                    last_hash = event_hash(key, event)
                    rows.append((last_seq, now, actor, event["action"], entity, str(entity_id),
                                 Jsonb(before) if before else None, Jsonb(after), "bench", event["prev_hash"], last_hash))  # fmt: skip
                cursor.executemany(RAW_SQL["audit"], rows)
                cursor.execute(RAW_SQL["move_head"], (last_seq, last_hash, head_mac(key, last_seq, last_hash)))
            latencies.append(time.perf_counter() - began)
    return latencies


def _wait_until(moment: float) -> None:
    delay = moment - time.time()
    if delay > 0:
        time.sleep(delay)


def _worker(args) -> tuple[float, float, list[float]]:
    kind, database_url, invoice_ids, payments, start_at, worker = args
    runner = run_orchestrator if kind == "orchestrator" else run_raw
    latencies = runner(database_url, invoice_ids, payments, start_at, worker)
    return max(start_at, time.time() - sum(latencies)), time.time(), latencies


def measure(kind: str, database_url: str, invoices: list[int], workers: int, payments: int, round_number: int) -> dict:
    # Every worker imports and connects first, then all start at the same moment.
    start_at = time.time() + 10.0
    shares = [invoices[w::workers] for w in range(workers)]
    jobs = [(kind, database_url, shares[w], payments, start_at, f"{round_number}-{w}") for w in range(workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_worker, jobs)
    elapsed = max(end for _, end, _ in results) - min(begin for begin, _, _ in results)
    latencies = sorted(value for _, _, worker in results for value in worker)
    return {
        "operations": len(latencies),
        "throughput": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--payments", type=int, default=250, help="payments per worker and run")
    parser.add_argument("--agents", type=int, default=1000, help="agents seeded before the runs")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each run; medians are kept")
    parser.add_argument("--ledger-per-agent", type=int, default=0, help="ledger depth of the seeded agents")
    arguments = parser.parse_args()

    server = normalise_database_url(
        os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq(server), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        print(
            f"seeding {arguments.agents} agents ({arguments.ledger_per_agent} adjustments each) into {name} …",
            flush=True,
        )
        invoices = prepare(database_url, arguments.agents, arguments.workers, arguments.ledger_per_agent)
        rounds: dict[str, list[dict]] = {"orchestrator": [], "raw": []}
        for round_number in range(arguments.rounds):
            for kind in ("orchestrator", "raw"):
                f = measure(kind, database_url, invoices[kind], arguments.workers, arguments.payments, round_number)
                rounds[kind].append(f)
                print(
                    f"round {round_number + 1} {kind:<12} {f['operations']} record_payment in "
                    f"{arguments.workers} processes: {f['throughput']:.0f}/s, "
                    f"p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms",
                    flush=True,
                )
        figures = {
            kind: {name: statistics.median(r[name] for r in results) for name in results[0]}
            for kind, results in rounds.items()
        }
        for kind, f in figures.items():
            print(
                f"median {kind:<12} {f['throughput']:.0f}/s, p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms",
                flush=True,
            )
        print(json.dumps(figures))
        print(f"ratio={figures['orchestrator']['throughput'] / figures['raw']['throughput']:.2f}")
    finally:
        with psycopg.connect(libpq(server), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
