"""``ledger verify``, ``summaries rebuild`` and ``commissions mature`` from the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import AgentFinancialSummary, Commission
from portal.models.base import utcnow
from portal.seed.demo import load_demo_data
from tests.support.money import MoneyWorld


def test_ledger_verify_passes_on_demo_data_and_names_an_edited_row(app, db_session):
    load_demo_data(db_session)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ledger", "verify"])
    assert ok.exit_code == 0, ok.output
    for invariant in (1, 2, 3, 6, 7):
        assert f"checked invariant {invariant}:" in ok.output
    assert "ledger OK" in ok.output

    db_session.execute(
        sa.text(
            "UPDATE wallet_transaction SET available_delta_minor = available_delta_minor + 1 WHERE id ="
            " (SELECT min(id) FROM wallet_transaction WHERE kind = 'commission_credit')"
        )
    )
    broken = runner.invoke(args=["ledger", "verify"])
    assert broken.exit_code == 1
    assert "VIOLATION invariant 1: ledger entry #" in broken.output and "ledger BROKEN" in broken.output


def test_summaries_rebuild_corrects_a_drifted_summary(app, db_session):
    load_demo_data(db_session)
    db_session.execute(sa.text("UPDATE agent_financial_summary SET collected_minor = collected_minor + 5"))
    db_session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 1
    rebuilt = runner.invoke(args=["summaries", "rebuild"])
    assert rebuilt.exit_code == 0 and "3 differed from the ledger and were corrected" in rebuilt.output
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AgentFinancialSummary)) == 3


def test_commissions_mature_approves_only_what_passed_the_holding_period(app, db_session):
    world = MoneyWorld(db_session)
    agent = world.agent()
    invoice = world.invoice(agent, 100_000)
    old = world.pay(invoice, 10_000)
    young = world.pay(invoice, 10_000)
    db_session.execute(
        sa.update(Commission).where(Commission.id == old.commission_id).values(created_at=utcnow() - timedelta(days=20))
    )
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["commissions", "mature"])
    assert result.exit_code == 0, result.output
    assert "1 commission(s) due, 1 approved" in result.output
    statuses = dict(db_session.execute(sa.select(Commission.id, Commission.status)).all())
    assert statuses[old.commission_id] == "credited" and statuses[young.commission_id] == "pending"
    again = app.test_cli_runner().invoke(args=["commissions", "mature"])
    assert "0 commission(s) due" in again.output


TAMPERED = {
    "reason": "'edited after the fact'",
    "actor": "'user:999'",
    "correlation_id": "'forged-correlation'",
    "created_at": "'2001-01-01 00:00:00+00:00'",
    "idempotency_key": "'forged-key'",
    "source_type": "'forged'",
    "source_id": "424242",
    "currency": "'USD'",
    # Another real wallet and agent: the foreign keys hold, the audited insert still names the first.
    "wallet_id": "(SELECT max(id) FROM wallet)",
    "agent_id": "(SELECT max(id) FROM agent)",
}


@pytest.mark.parametrize("column", sorted(TAMPERED))
def test_hardening_20_ledger_verify_names_an_edit_to_any_column(app, db_session, column):
    load_demo_data(db_session)
    value = TAMPERED[column]
    entry = db_session.scalar(sa.text("SELECT min(id) FROM wallet_transaction WHERE reason IS NULL"))
    db_session.execute(sa.text(f"UPDATE wallet_transaction SET {column} = {value} WHERE id = {entry}"))
    broken = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert broken.exit_code == 1
    assert f"ledger entry #{entry}: differs from its audited insert in {column}:" in broken.output
