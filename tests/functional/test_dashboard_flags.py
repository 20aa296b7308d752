"""Admins change flags on the dashboard: a rollout and its lists, with a reason; the kill switch, confirmed."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.flags.catalog import FINANCIAL_ORCHESTRATOR
from portal.models import AuditEvent, FeatureFlag
from tests.functional.dashboard_support import load_demo, log_in_as


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


def _hidden(client, url: str) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    return dict(re.findall(r'name="(csrf_token|idempotency_key)"[^>]*value="([^"]+)"', html))


def test_the_flags_page_shows_each_flag_and_who_is_in_the_rollout(client, demo):
    log_in_as(client, "admin")
    page = client.get("/dashboard/flags").get_data(as_text=True)
    for name in ("agent_portal", "read_model_reads", "financial_orchestrator"):
        assert name in page
    assert "3 in / 0 out" in page  # the three demo agents, all in by default


def test_a_rollout_change_needs_a_reason_and_is_audited(client, db_session, demo):
    log_in_as(client, "admin")
    url = "/dashboard/flags/agent_portal"
    form = {**_hidden(client, url), "enabled": "y", "rollout_percentage": "0", "allow_list": "cedar",
            "deny_list": "", "reason": ""}  # fmt: skip
    assert client.post(url, data=form).status_code == 422
    saved = client.post(url, data={**form, "reason": "pilot: cedar only"})
    assert saved.status_code == 303
    flag = db_session.get(FeatureFlag, "agent_portal")
    assert flag.rollout_percentage == 0 and flag.allow_list == ["cedar"] and flag.reason == "pilot: cedar only"
    page = client.get("/dashboard/flags").get_data(as_text=True)
    assert "1 in / 2 out" in page
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "FeatureFlag"))
    assert event.reason == "pilot: cedar only"


def test_the_kill_switch_asks_first_and_says_why_everywhere(client, db_session, demo):
    log_in_as(client, "admin")
    url = "/dashboard/flags/financial_orchestrator/switch"
    asked = client.get(url).get_data(as_text=True)
    assert "Pause every money command?" in asked
    paused = client.post(url, data={**_hidden(client, url), "reason": "Auditors are in."})
    assert paused.status_code == 303
    assert db_session.get(FeatureFlag, FINANCIAL_ORCHESTRATOR).enabled is False
    assert "Auditors are in." in client.get("/dashboard/").get_data(as_text=True)
    assert "Resume money commands?" in client.get(url).get_data(as_text=True)
    resumed = client.post(url, data={**_hidden(client, url), "reason": "Audit done."})
    assert resumed.status_code == 303 and db_session.get(FeatureFlag, FINANCIAL_ORCHESTRATOR).enabled is True


@pytest.mark.parametrize("role", ["finance", "viewer"])
def test_only_admins_change_flags(client, demo, role):
    log_in_as(client, role)
    assert client.get("/dashboard/flags").status_code == 403
    assert client.get("/dashboard/flags/financial_orchestrator/switch").status_code == 403
