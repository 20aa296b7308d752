"""Flags from the command line, on both databases: the kill switch tripped by the ledger check, flags as code,
and the two ways of reading agents' figures agreeing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.flags.catalog import FINANCIAL_ORCHESTRATOR
from portal.models import AgentFinancialSummary, AuditEvent, FeatureFlag, Notification
from portal.read.summaries import AgentFinancialSummaryReadRepository, LiveSummaryReadRepository
from portal.seed.demo import load_demo_data
from portal.seed.scale import load_scale_data

TAMPER = sa.text(
    "UPDATE wallet_transaction SET available_delta_minor = available_delta_minor + 1 WHERE id ="
    " (SELECT min(id) FROM wallet_transaction WHERE kind = 'commission_credit')"
)


def test_a_tampered_ledger_under_guard_pauses_every_money_command(app, db_session):
    load_demo_data(db_session)
    db_session.execute(TAMPER)
    db_session.commit()
    runner = app.test_cli_runner()
    guarded = runner.invoke(args=["ledger", "verify", "--guard"])
    assert guarded.exit_code == 1 and "money commands PAUSED" in guarded.output
    flag = db_session.get(FeatureFlag, FINANCIAL_ORCHESTRATOR)
    assert flag.enabled is False and "violation" in flag.reason and flag.updated_by == "system:ledger-guard"
    violation = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ledger_violation"))
    assert violation.after["count"] >= 1 and "invariant 1" in violation.after["violations"][0]
    told = db_session.scalar(sa.select(Notification).where(Notification.kind == "money_paused"))
    assert told is not None and told.audience == "staff"
    mature = runner.invoke(args=["commissions", "mature"])
    assert "Money commands are paused" in mature.output
    resumed = runner.invoke(args=["flags", "enable", FINANCIAL_ORCHESTRATOR, "--reason", "ledger row restored"])
    assert resumed.exit_code == 0
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.command == "resume_money_commands"))
    assert event.reason == "ledger row restored" and event.actor == "system:cli"


def test_verify_without_guard_pauses_nothing(app, db_session):
    load_demo_data(db_session)
    db_session.execute(TAMPER)
    db_session.commit()
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 1
    assert db_session.get(FeatureFlag, FINANCIAL_ORCHESTRATOR) is None


def _flag_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "flags.toml"
    path.write_text(text, encoding="utf-8")
    return path


STAGING = """
[flags.agent_portal]
enabled = true
rollout_percentage = 25
allow = ["northwind"]
reason = "Staging wave 1"

[flags.read_model_reads]
enabled = true
reason = "The read model is the source of the figures"
"""


def test_a_flag_file_is_diffed_checked_and_applied_once(app, db_session, tmp_path):
    path = _flag_file(tmp_path, STAGING)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["flags", "apply", str(path), "--dry-run"])
    assert (
        dry.exit_code == 0
        and "would change agent_portal: rollout_percentage 100 → 25; allow [] → [northwind]" in dry.output
    )
    assert db_session.get(FeatureFlag, "agent_portal") is None
    assert runner.invoke(args=["flags", "apply", str(path), "--check"]).exit_code == 2
    applied = runner.invoke(args=["flags", "apply", str(path), "--revision", "abc1234"])
    assert applied.exit_code == 0 and "applied 1 change(s) as deploy:abc1234" in applied.output
    flag = db_session.get(FeatureFlag, "agent_portal")
    assert flag.rollout_percentage == 25 and flag.allow_list == ["northwind"] and flag.updated_by == "deploy:abc1234"
    events = db_session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    again = runner.invoke(args=["flags", "apply", str(path), "--revision", "abc1234"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert runner.invoke(args=["flags", "apply", str(path), "--check"]).exit_code == 0
    assert db_session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events


@pytest.mark.parametrize(("text", "message"), [
    ("[flags.nope]\nenabled = true\nreason = 'x'\n", "not in the catalog"),
    ("[flags.agent_portal]\nenabled = 'yes'\nreason = 'x'\n", "must be a bool"),
    ("[flags.agent_portal]\nenabled = true\n", "reason is required"),
    ("[flags.agent_portal]\ncolour = 'red'\nreason = 'x'\n", "not a flag field"),
    ("not toml at all [", "flags.toml"),
    ("[flags.financial_orchestrator]\nenabled = true\nreason = 'x'\n", "never by a deploy"),
])  # fmt: skip
def test_a_flag_file_that_cannot_be_applied_changes_nothing(app, db_session, tmp_path, text, message):
    result = app.test_cli_runner().invoke(args=["flags", "apply", str(_flag_file(tmp_path, text))])
    assert result.exit_code == 1 and message in result.output
    assert db_session.scalar(sa.select(sa.func.count(FeatureFlag.name))) == 0


def test_the_shipped_flag_files_apply_cleanly(app, db_session):
    for environment in ("staging", "production"):
        path = Path(__file__).resolve().parents[2] / "deploy" / "flags" / f"{environment}.toml"
        result = app.test_cli_runner().invoke(args=["flags", "apply", str(path), "--dry-run"])
        assert result.exit_code == 0, result.output


def _agree(session) -> None:
    live = LiveSummaryReadRepository(session).all()
    stored = AgentFinancialSummaryReadRepository(session)
    assert live
    for agent_id, figures in live.items():
        assert stored.for_agent(agent_id, figures.currency) == figures, agent_id


def test_both_ways_of_reading_the_figures_agree_on_the_demo_and_on_generated_data(app, db_session):
    load_demo_data(db_session)
    _agree(db_session)
    with app.app_context():
        load_scale_data(db_session, 30, seed=7)
    _agree(db_session)
    assert app.test_cli_runner().invoke(args=["summaries", "drift"]).exit_code == 0


def test_drift_names_each_agent_whose_read_model_moved(app, db_session):
    load_demo_data(db_session)
    agent_id = db_session.scalar(sa.select(sa.func.min(AgentFinancialSummary.agent_id)))
    db_session.execute(sa.update(AgentFinancialSummary).where(AgentFinancialSummary.agent_id == agent_id)
                       .values(collected_minor=AgentFinancialSummary.collected_minor + 7))  # fmt: skip
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["summaries", "drift"])
    assert result.exit_code == 1 and f"agent {agent_id}: collected_minor" in result.output
    assert "1 agent(s) drifted" in result.output
