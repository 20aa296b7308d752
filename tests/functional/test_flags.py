"""The flags as the product reads them: the catalog matches the code, changes are seen within the TTL, overrides win."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.flags import catalog
from portal.flags.catalog import AGENT_PORTAL, CATALOG
from portal.flags.evaluation import SNAPSHOT_TTL, flag_enabled, forget_snapshot
from portal.models import AuditEvent, FeatureFlag
from portal.persistence.context import Actor, CommandContext
from portal.services.feature_flags import ChangeFlag
from portal.services.running import command_runner
from tests.functional.dashboard_support import load_demo

PORTAL_ROOT = Path(__file__).resolve().parents[2] / "portal"
_READ = re.compile(r"flag_enabled\(\s*([A-Z_]+|\"[a-z_]+\")")


def _flags_read_in_code() -> set[str]:
    names = set()
    for path in PORTAL_ROOT.rglob("*.py"):
        for found in _READ.findall(path.read_text(encoding="utf-8")):
            names.add(found.strip('"') if found.startswith('"') else getattr(catalog, found))
    return names


def test_every_flag_read_in_code_is_in_the_catalog_and_every_listed_flag_is_read():
    read = _flags_read_in_code()
    assert read == set(CATALOG), (
        f"read but not listed: {read - set(CATALOG)}; listed, never read: {set(CATALOG) - read}"
    )


def change(app, session, **fields):
    with app.app_context():
        return command_runner(app, session, CommandContext(Actor.system("test"))).run(
            ChangeFlag(idempotency_key=f"test-flag-{uuid.uuid4()}", reason="test", **fields)
        )


def test_a_change_is_audited_with_its_actor_and_reason(app, db_session):
    change(app, db_session, flag=AGENT_PORTAL, rollout_percentage=40)
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "FeatureFlag"))
    assert event.actor == "system:test" and event.reason == "test" and event.after["rollout_percentage"] == 40


def test_the_flag_portal_is_closed_for_agents_outside_the_rollout(app, client, db_session):
    load_demo(app, db_session)
    from tests.functional.dashboard_support import log_in_as

    log_in_as(client, "agent")
    assert client.get("/portal/northwind/").status_code == 200
    change(app, db_session, flag=AGENT_PORTAL, deny_list=("northwind",))
    closed = client.get("/portal/northwind/")
    assert closed.status_code == 403 and "not available yet" in closed.get_data(as_text=True)


def test_another_worker_sees_a_change_within_the_ttl(app, db_session, monkeypatch):
    """Two processes: each keeps its copy of the table for SNAPSHOT_TTL seconds, then reads it again."""
    clock = [1000.0]
    monkeypatch.setattr("portal.flags.evaluation.time.monotonic", lambda: clock[0])
    try:
        with app.app_context():
            forget_snapshot(app)
            assert flag_enabled(AGENT_PORTAL, "northwind") is True
        # Another process turns it off: a row written behind this process's back (no cache of ours forgotten).
        db_session.execute(sa.insert(FeatureFlag).values(name=AGENT_PORTAL, enabled=False, rollout_percentage=100,
                                                         allow_list=[], deny_list=[]))  # fmt: skip
        db_session.commit()
        clock[0] += SNAPSHOT_TTL - 0.5
        with app.app_context():
            assert flag_enabled(AGENT_PORTAL, "northwind") is True  # still this process's copy
        clock[0] += 1.0
        with app.app_context():
            assert flag_enabled(AGENT_PORTAL, "northwind") is False  # within the TTL, seen
    finally:
        db_session.rollback()


@pytest.mark.parametrize(("value", "expected"), [("off", False), ("on", True)])
def test_an_environment_override_wins_and_the_cli_says_so(app, db_session, value, expected):
    from portal.config import flag_overrides

    overrides = flag_overrides({"FLAG_AGENT_PORTAL": value})
    app.config["FLAG_OVERRIDES"] = overrides
    forget_snapshot(app)
    try:
        change(app, db_session, flag=AGENT_PORTAL, enabled=not expected)
        with app.app_context():
            assert flag_enabled(AGENT_PORTAL, "northwind") is expected
        output = app.test_cli_runner().invoke(args=["flags", "list"]).output
        assert "OVERRIDDEN by FLAG_AGENT_PORTAL" in output
    finally:
        app.config["FLAG_OVERRIDES"] = {}
        forget_snapshot(app)


def test_a_bad_override_stops_the_app_from_starting():
    from portal.config import ConfigurationError, flag_overrides

    with pytest.raises(ConfigurationError, match="FLAG_AGENT_PORTAL"):
        flag_overrides({"FLAG_AGENT_PORTAL": "maybe"})


def test_pages_and_the_api_show_the_same_figures_whichever_way_they_are_read(app, client, db_session):
    """``read_model_reads`` off: the agents list, the agent page and the API compute the figures live; same answers."""
    from portal.flags.catalog import READ_MODEL_READS
    from tests.functional.dashboard_support import log_in_as
    from tests.support.api import bearer, make_token

    ids = load_demo(app, db_session)
    token = make_token(app, db_session)
    log_in_as(client, "admin")

    def shown() -> tuple[str, str, dict]:
        listing = client.get("/dashboard/agents?sort=collected&dir=desc").get_data(as_text=True)
        detail = client.get(f"/dashboard/agents/{ids['agent_id']}").get_data(as_text=True)
        summary = client.get(f"/api/v1/agents/{ids['agent_id']}/summary", headers=bearer(token)).get_json()
        strip = re.compile(r'name="csrf_token"[^>]*>|"X-CSRFToken": "[^"]+"|value="[0-9a-f]{32}"')
        return strip.sub("", listing), strip.sub("", detail), summary

    from_read_model = shown()
    change(app, db_session, flag=READ_MODEL_READS, enabled=False)
    with app.app_context():
        assert flag_enabled(READ_MODEL_READS) is False
    assert shown() == from_read_model
    # Off, the read model is not read at all: a row moved behind its back changes nothing shown.
    from portal.models import AgentFinancialSummary

    db_session.execute(sa.update(AgentFinancialSummary).where(AgentFinancialSummary.agent_id == ids["agent_id"])
                       .values(collected_minor=AgentFinancialSummary.collected_minor + 700))  # fmt: skip
    db_session.commit()
    assert shown() == from_read_model
    change(app, db_session, flag=READ_MODEL_READS, enabled=True)
    assert shown()[2]["collected"]["amount_minor"] == from_read_model[2]["collected"]["amount_minor"] + 700
