"""``flask rollout``: widen only while every guardrail holds, roll back always, each step audited and kept.

The traffic source is replaced by a fixed reading (the drill and the live-Prometheus test read real ones), so each
guardrail can be turned red on purpose; the flag, the steps, the audit trail and the ledger check are real.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from portal.cli import rollout as rollout_cli
from portal.flags.catalog import AGENT_PORTAL
from portal.models import AuditEvent, FeatureFlag, RolloutStep, VerificationRun
from portal.persistence.context import Actor, CommandContext
from portal.rollout.readings import CohortTraffic, Readings, ReadingsUnavailable
from portal.services.running import command_runner
from portal.services.verification_runs import RecordVerification

HEALTHY = CohortTraffic(requests=400, errors=0, p99_seconds=0.08)
FAILING = CohortTraffic(requests=400, errors=40, p99_seconds=0.08, money_failures=12)


class FixedSource:
    """Answers what the test says the cohorts did."""

    def __init__(self) -> None:
        self.canary = HEALTHY
        self.unreachable = False

    def read(self, window_seconds, baseline=None) -> Readings:
        if self.unreachable:
            raise ReadingsUnavailable("Prometheus at http://127.0.0.1:1 could not be read (ConnectionError).")
        return Readings("fixed", {"canary": self.canary, "control": HEALTHY}, 0, {"local": {"requests:canary": 1.0}})


@pytest.fixture
def source(monkeypatch) -> FixedSource:
    fixed = FixedSource()
    monkeypatch.setattr(rollout_cli, "_source", lambda: fixed)
    return fixed


@pytest.fixture
def app(sqlite_app):
    """The rollout's rules are the same on either database (the command is a flag change and a row): SQLite."""
    return sqlite_app


@pytest.fixture
def cli(app, db_session, make):
    for _ in range(3):
        make.agent()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    kept = db_session.scalars(sa.select(VerificationRun)).one()
    assert kept.check_name == "ledger" and kept.violations == 0, "ledger verify keeps its outcome"
    return runner


def percentage(session) -> int:
    row = session.get(FeatureFlag, AGENT_PORTAL)
    session.refresh(row)
    return row.rollout_percentage if row.enabled else 0


def test_the_canary_widens_step_by_step_while_green_and_each_step_is_audited(app, db_session, cli, source):
    assert cli.invoke(args=["rollout", "rollback", "--reason", "start the canary at zero"]).exit_code == 0
    for step in (5, 25):
        widened = cli.invoke(args=["rollout", "widen", str(step)])
        assert widened.exit_code == 0, widened.output
        assert percentage(db_session) == step
    steps = db_session.scalars(sa.select(RolloutStep).order_by(RolloutStep.id)).all()
    assert [(s.action, s.from_percentage, s.to_percentage) for s in steps] == [
        ("rollback", 100, 0), ("widen", 0, 5), ("widen", 5, 25),
    ]  # fmt: skip
    assert all(g["held"] for g in steps[-1].guardrails) and steps[-1].baseline == {"local": {"requests:canary": 1.0}}
    actions = db_session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_type == "FeatureFlag")).all()
    assert len(actions) >= 3
    status = json.loads(cli.invoke(args=["rollout", "status", "--json"]).output)
    assert status["percentage"] == 25 and status["green"] is True
    assert status["agents_in"] + status["agents_out"] == 3


def test_a_red_guardrail_refuses_to_widen_and_changes_nothing(app, db_session, cli, source):
    cli.invoke(args=["rollout", "rollback", "--to", "25", "--reason", "canary at 25"])
    source.canary = FAILING
    before = db_session.scalar(sa.select(sa.func.count()).select_from(RolloutStep))
    refused = cli.invoke(args=["rollout", "widen", "50"])
    assert refused.exit_code == 1
    assert "refused" in refused.output and "5xx ratio, canary vs control" in refused.output
    assert "canary money command failures" in refused.output
    assert percentage(db_session) == 25
    assert db_session.scalar(sa.select(sa.func.count()).select_from(RolloutStep)) == before
    status = cli.invoke(args=["rollout", "status"])
    assert "RED  5xx ratio, canary vs control: 10.00 % vs 0.00 %" in status.output


def test_unreadable_metrics_are_red_not_green(app, db_session, cli, source):
    cli.invoke(args=["rollout", "rollback", "--to", "5", "--reason", "canary at 5"])
    source.unreachable = True
    refused = cli.invoke(args=["rollout", "widen", "25"])
    assert refused.exit_code == 1 and "canary metrics" in refused.output and percentage(db_session) == 5


def test_a_ledger_that_failed_its_check_stops_the_widening(app, db_session, cli, source):
    cli.invoke(args=["rollout", "rollback", "--to", "5", "--reason", "canary at 5"])
    with app.app_context():
        command_runner(app, db_session, CommandContext(Actor.system("verify"))).run(
            RecordVerification(idempotency_key="broken", check_name="ledger", violations=2, summary="invariant 1")
        )
    refused = cli.invoke(args=["rollout", "widen", "25"])
    assert refused.exit_code == 1 and "last ledger verify" in refused.output and percentage(db_session) == 5


def test_rollback_goes_to_zero_or_to_the_last_good_step_whatever_the_guardrails_say(app, db_session, cli, source):
    cli.invoke(args=["rollout", "rollback", "--reason", "from zero"])
    cli.invoke(args=["rollout", "widen", "5"])
    cli.invoke(args=["rollout", "widen", "25"])
    source.canary = FAILING
    back = cli.invoke(args=["rollout", "rollback", "--last-good", "--reason", "canary 5xx at 25 %"])
    assert back.exit_code == 0, back.output
    assert percentage(db_session) == 5
    last = db_session.scalars(sa.select(RolloutStep).order_by(RolloutStep.id.desc())).first()
    assert (
        last.action == "rollback"
        and last.reason == "canary 5xx at 25 %"
        and not all(g["held"] for g in last.guardrails)
    )
    assert cli.invoke(args=["rollout", "rollback", "--reason", "all the way"]).exit_code == 0
    assert percentage(db_session) == 0
    nowhere = cli.invoke(args=["rollout", "rollback", "--reason", "again"])
    assert nowhere.exit_code != 0 and "goes nowhere" in nowhere.output


def test_widen_must_go_up_and_rollback_needs_a_reason(app, db_session, cli, source):
    cli.invoke(args=["rollout", "rollback", "--to", "25", "--reason", "canary at 25"])
    assert "widen goes above it" in cli.invoke(args=["rollout", "widen", "5"]).output
    assert cli.invoke(args=["rollout", "rollback"]).exit_code == 2
    assert cli.invoke(args=["rollout", "widen", "101"]).exit_code == 2
    assert percentage(db_session) == 25


def test_a_flag_file_may_not_move_a_percentage_the_rollout_moves(app, db_session, cli, source, tmp_path):
    file = tmp_path / "production.toml"
    file.write_text('[flags.agent_portal]\nenabled = true\nrollout_percentage = 50\nreason = "wave 2"\n')
    assert cli.invoke(args=["flags", "apply", str(file)]).exit_code == 0, "before any rollout step, a file may"
    assert percentage(db_session) == 50
    cli.invoke(args=["rollout", "rollback", "--reason", "canary 5xx"])
    refused = cli.invoke(args=["flags", "apply", str(file)])
    assert refused.exit_code != 0 and "moved by `flask rollout`" in refused.output
    assert percentage(db_session) == 0, "a deploy did not undo the rollback"
    file.write_text('[flags.agent_portal]\nenabled = true\nallow = ["pilot"]\nreason = "pilots"\n')
    assert cli.invoke(args=["flags", "apply", str(file)]).exit_code == 0, "the lists are still the file's"


def test_status_says_whether_to_roll_back_or_to_wait_and_check_gates_a_pipeline(app, db_session, cli, source):
    cli.invoke(args=["rollout", "rollback", "--to", "5", "--reason", "canary at 5"])
    source.canary = CohortTraffic(requests=3)
    quiet = cli.invoke(args=["rollout", "status", "--check"])
    assert quiet.exit_code == 1 and "wait: too few canary requests" in quiet.output
    assert "nothing calls for a rollback" in quiet.output
    source.canary = FAILING
    failing = cli.invoke(args=["rollout", "status"])
    assert failing.exit_code == 0 and "RED: do not widen; roll back" in failing.output
    source.canary = HEALTHY
    assert cli.invoke(args=["rollout", "status", "--check"]).exit_code == 0
