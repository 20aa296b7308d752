"""The benchmark's raw path sends the statements the orchestrator sends for record_payment."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.money import MoneyWorld

BENCH = Path(__file__).resolve().parents[2] / "bench" / "orchestrator.py"


def _shape(statement: str) -> tuple[str, str] | None:
    text = " ".join(statement.split())
    verb = text.split()[0].upper()
    if verb == "SELECT":
        table = re.search(r"\bFROM\s+([a-z_]+)", text, re.IGNORECASE).group(1)
    elif verb == "INSERT":
        table = re.search(r"\bINTO\s+([a-z_]+)", text, re.IGNORECASE).group(1)
    elif verb == "UPDATE":
        table = text.split()[1]
    else:
        return None
    return verb, table


def test_raw_statements_match_the_orchestrators(db_session):
    spec = importlib.util.spec_from_file_location("bench_orchestrator", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    world = MoneyWorld(db_session)
    invoice = world.invoice(world.agent(), 100_000)
    world.pay(invoice, 1_000)
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        world.pay(invoice, 1_000)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    orchestrator = Counter(shape for statement in sent if (shape := _shape(statement)))
    raw = Counter(_shape(statement) for statement in bench.RAW_SQL.values())
    assert orchestrator == raw
