"""The canary checklist executed end to end (``bench/canary_drill.py``): two live instances on PostgreSQL, 0 → 5 →
25 %, a fault for canary agents at 25 %, ``widen`` refused, ``rollback`` restoring service, the record written."""

from __future__ import annotations

import sqlalchemy as sa

from bench.canary_drill import record, run_drill
from portal.models import RolloutStep


def test_the_drill_refuses_to_widen_a_failing_canary_and_rolls_it_back(postgres_databases, tmp_path):
    url = postgres_databases.create()
    drill = run_drill(url, tmp_path, agents=40)
    outcome = {step.title: step for step in drill.steps}
    assert drill.passed, "\n\n".join(f"{s.title} (exit {s.exit_code}):\n{s.output}" for s in drill.steps if not s.held)
    assert "RED  5xx ratio, canary vs control" in outcome["The fault turns a guardrail red"].output
    assert "RED  canary money command failures" in outcome["The fault turns a guardrail red"].output
    assert outcome["Widening to 50 % is refused"].exit_code == 1
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        steps = connection.execute(
            sa.select(RolloutStep.action, RolloutStep.from_percentage, RolloutStep.to_percentage).order_by(
                RolloutStep.id
            )
        ).all()
    engine.dispose()
    assert [tuple(step) for step in steps] == [("rollback", 100, 0), ("widen", 0, 5), ("widen", 5, 25),
                                                ("rollback", 25, 0)]  # fmt: skip
    text = record(drill, 1.0)
    assert text.startswith("# Canary drill") and "PASSED" in text.splitlines()[0]
    assert text.count("as expected") == len(drill.steps)
