"""The per-agent read model computed from the source rows and the ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AgentFinancialSummary
from portal.read.summaries import FinancialSummary, LiveSummaryReadRepository


def compute_summaries(session: Session, agent_ids: Iterable[int] | None = None) -> dict[int, FinancialSummary]:
    """Every agent's summary figures, from invoices, payments, commissions and the ledger (one query)."""
    return LiveSummaryReadRepository(session).all(agent_ids)


def rebuild_summaries(session: Session, agent_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Overwrite summary rows with freshly computed figures; returns (rows, rows that differed)."""
    computed = compute_summaries(session, agent_ids)
    existing = {
        row.agent_id: row
        for row in session.scalars(
            sa.select(AgentFinancialSummary).where(AgentFinancialSummary.agent_id.in_(list(computed)))
        )
    }
    changed = 0
    for agent_id, figures in computed.items():
        summary = existing.get(agent_id)
        if summary is None:
            summary = AgentFinancialSummary(agent_id=agent_id)
            session.add(summary)
        values = {name: value for name, value in asdict(figures).items() if name != "agent_id"}
        if any(getattr(summary, name) != value for name, value in values.items()):
            changed += 1
            for name, value in values.items():
                setattr(summary, name, value)
    return len(computed), changed


def summary_drift(session: Session) -> dict[int, list[str]]:
    """Each agent whose read model differs from its live figures, with ``field stored → live`` for each difference."""
    live = compute_summaries(session)
    stored = {row.agent_id: row for row in session.scalars(sa.select(AgentFinancialSummary))}
    drifted: dict[int, list[str]] = {}
    for agent_id, figures in live.items():
        row = stored.get(agent_id)
        for name, value in asdict(figures).items():
            if name == "agent_id":
                continue
            kept = getattr(row, name) if row is not None else (None if name == "last_payment_at" else 0)
            if name != "currency" and kept != value:
                drifted.setdefault(agent_id, []).append(f"{name} {kept} → {value}")
    return drifted
