"""``/metrics``: refused to anyone the configuration does not name; counts requests, money commands by outcome and
cohort, replays, flag evaluations and key provider calls; reads the outbox, the verifications and the flags live."""

from __future__ import annotations

import math
import uuid

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from portal.domain.errors import DomainError
from portal.flags.catalog import AGENT_PORTAL
from portal.models import EmailOutbox, Invoice, Wallet
from portal.persistence.context import Actor, CommandContext
from portal.services.feature_flags import ChangeFlag
from portal.services.running import command_runner
from portal.services.verification_runs import RecordVerification
from tests.functional.dashboard_support import load_demo, log_in_as, page_token
from tests.support.api import bearer, make_token

TOKEN = "metrics-token-for-the-tests-0123456789"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def total(name: str, **labels: str) -> float:
    """The sum of every sample of ``name`` whose labels include ``labels``."""
    return sum(
        sample.value for family in REGISTRY.collect() for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )  # fmt: skip


def scraped(client, headers: dict | None = None) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=headers or {"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def protected(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "METRICS_ALLOW_FROM", "")


def change(app, session, **fields) -> None:
    with app.app_context():
        command_runner(app, session, CommandContext(Actor.system("test"))).run(
            ChangeFlag(idempotency_key=f"test-flag-{uuid.uuid4()}", reason="test", **fields)
        )


def test_nobody_may_scrape_until_a_token_or_an_address_is_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    monkeypatch.setitem(app.config, "METRICS_ALLOW_FROM", "")
    refused = client.get("/metrics")
    assert refused.status_code == 403 and "METRICS_TOKEN" in refused.get_data(as_text=True)
    assert "portal_" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_a_scrape_without_the_token_is_refused_with_a_challenge(client, protected, header):
    refused = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "portal_" not in refused.get_data(as_text=True)


def test_the_allow_list_refuses_other_addresses_and_with_a_token_both_are_asked(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    monkeypatch.setitem(app.config, "METRICS_ALLOW_FROM", "10.0.0.0/8, 192.0.2.7")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401
    allowed = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                         headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    assert allowed.status_code == 200 and allowed.content_type.startswith("text/plain; version=0.0.4")


def test_requests_are_timed_by_endpoint_method_status_class_and_never_by_raw_path(client, protected):
    before = value("portal_http_request_duration_seconds_count", endpoint="auth.login", method="GET",
                   status_class="2xx", cohort="none")  # fmt: skip
    unmatched = value("portal_http_request_duration_seconds_count", endpoint="unmatched", method="GET",
                      status_class="4xx", cohort="none")  # fmt: skip
    client.get("/login")
    client.get(f"/no-such-page-{uuid.uuid4().hex}")
    assert value("portal_http_request_duration_seconds_count", endpoint="auth.login", method="GET",
                 status_class="2xx", cohort="none") == before + 1  # fmt: skip
    assert value("portal_http_request_duration_seconds_count", endpoint="unmatched", method="GET",
                 status_class="4xx", cohort="none") == unmatched + 1  # fmt: skip
    scraped(client)
    samples = scraped(client)
    endpoints = {dict(labels).get("endpoint") for (_, labels) in samples}
    assert "system.metrics" in endpoints, "scrapes are requests too: a fresh instance has series from the first"
    assert not any(endpoint and endpoint.startswith("/") for endpoint in endpoints)
    assert samples[("portal_http_requests_in_flight", ())] >= 0


def test_an_agent_in_the_rollout_is_canary_and_one_outside_is_control(app, client, db_session, protected):
    load_demo(app, db_session)
    log_in_as(client, "agent")
    canary = value("portal_http_request_duration_seconds_count", endpoint="agent_portal.home", method="GET",
                   status_class="2xx", cohort="canary")  # fmt: skip
    assert client.get("/portal/northwind/").status_code == 200
    assert value("portal_http_request_duration_seconds_count", endpoint="agent_portal.home", method="GET",
                 status_class="2xx", cohort="canary") == canary + 1  # fmt: skip
    change(app, db_session, flag=AGENT_PORTAL, deny_list=("northwind",))
    control = value("portal_http_request_duration_seconds_count", endpoint="agent_portal.home", method="GET",
                    status_class="4xx", cohort="control")  # fmt: skip
    assert client.get("/portal/northwind/").status_code == 403
    assert value("portal_http_request_duration_seconds_count", endpoint="agent_portal.home", method="GET",
                 status_class="4xx", cohort="control") == control + 1  # fmt: skip
    health = value("portal_http_request_duration_seconds_count", endpoint="system.healthz", method="GET",
                   status_class="2xx", cohort="none")  # fmt: skip
    client.get("/healthz")
    assert (
        value(
            "portal_http_request_duration_seconds_count",
            endpoint="system.healthz",
            method="GET",
            status_class="2xx",
            cohort="none",
        )
        == health + 1
    ), "the cohort does not stick to the next request"


def test_money_commands_are_counted_by_outcome_error_and_cohort(app, client, db_session, protected):
    ids = load_demo(app, db_session)
    agent_token = make_token(app, db_session, role="agent", scope="write", agent_id=ids["agent_id"])
    wallet = db_session.execute(sa.select(Wallet.__table__).where(Wallet.agent_id == ids["agent_id"])).one()
    asked = {"amount": {"amount_minor": wallet.available_minor, "currency": wallet.currency}}
    labels = {"command": "request_payout", "cohort": "canary"}
    before = {outcome: value("portal_money_commands_total", outcome=outcome, error="", **labels)
              for outcome in ("succeeded", "replayed")}  # fmt: skip
    refused = total("portal_money_commands_total", outcome="refused", **labels)
    replays = value("portal_idempotency_replays_total", layer="api", cohort="canary")
    assert client.post("/api/v1/payouts", json=asked, headers=bearer(agent_token, "po-1")).status_code == 201
    again = client.post("/api/v1/payouts", json=asked, headers=bearer(agent_token, "po-1"))
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert client.post("/api/v1/payouts", json=asked, headers=bearer(agent_token, "po-2")).status_code == 409
    assert value("portal_money_commands_total", outcome="succeeded", error="", **labels) == before["succeeded"] + 1
    assert total("portal_money_commands_total", outcome="refused", **labels) == refused + 1
    assert value("portal_money_commands_total", outcome="refused", error="BelowMinimumPayout", **labels) >= 1
    assert value("portal_idempotency_replays_total", layer="api", cohort="canary") == replays + 1
    assert value("portal_money_command_duration_seconds_count", command="request_payout") > 0


def test_a_replay_at_the_command_layer_and_a_drill_fault_are_counted(app, client, db_session, protected, monkeypatch):
    ids = load_demo(app, db_session)
    log_in_as(client, "finance")
    invoice = db_session.get(Invoice, ids["invoice_id"])
    url, key = f"/dashboard/invoices/{invoice.id}/payments", uuid.uuid4().hex
    form = {"csrf_token": page_token(client), "idempotency_key": key, "amount": "1.00", "method": "card"}
    labels = {"command": "record_payment", "cohort": "none"}
    replays = value("portal_idempotency_replays_total", layer="command", cohort="none")
    succeeded = value("portal_money_commands_total", outcome="succeeded", error="", **labels)
    assert client.post(url, data=form).status_code in (200, 303)
    assert client.post(url, data=form).status_code in (200, 303)
    assert value("portal_money_commands_total", outcome="succeeded", error="", **labels) == succeeded + 1
    assert value("portal_idempotency_replays_total", layer="command", cohort="none") == replays + 1

    agent_token = make_token(app, db_session, role="agent", scope="write", agent_id=ids["agent_id"])
    monkeypatch.setitem(app.config, "DRILL_FAIL_MONEY_FOR", "canary")
    failed = value("portal_money_commands_total", command="request_payout", outcome="failed", error="DrillFault",
                   cohort="canary")  # fmt: skip
    errors = value("portal_http_request_duration_seconds_count", endpoint="api.request_payout", method="POST",
                   status_class="5xx", cohort="canary")  # fmt: skip
    asked = {"amount": {"amount_minor": 1000, "currency": "EUR"}}
    assert client.post("/api/v1/payouts", json=asked, headers=bearer(agent_token, "drill-1")).status_code == 500
    assert value("portal_money_commands_total", command="request_payout", outcome="failed", error="DrillFault",
                 cohort="canary") == failed + 1  # fmt: skip
    assert value("portal_http_request_duration_seconds_count", endpoint="api.request_payout", method="POST",
                 status_class="5xx", cohort="canary") == errors + 1  # fmt: skip


def test_rare_events_have_series_at_zero_before_they_happen(client, protected):
    samples = scraped(client)
    for name, labels in [
        ("portal_command_conflicts_total", {"command": "record_payment", "cohort": "canary"}),
        ("portal_command_retries_total", {"command": "request_payout", "cohort": "control"}),
        ("portal_money_commands_total", {"command": "adjust_wallet", "outcome": "failed", "error": "",
                                         "cohort": "none"}),
        ("portal_email_deliveries_total", {"outcome": "failed"}),
        ("portal_flag_evaluations_total", {"flag": "read_model_reads", "result": "off"}),
        ("portal_key_provider_calls_total", {"provider": "local", "operation": "unwrap", "outcome": "error",
                                             "cohort": "canary"}),
    ]:  # fmt: skip
        assert (name, tuple(sorted(labels.items()))) in samples, name
    never = samples[("portal_verification_ok", (("check", "ledger"),))]
    assert math.isnan(never), "before the first run: a series (no dead metric) that is neither held nor broken"


def test_the_shared_gauges_read_the_outbox_the_verifications_and_the_flags(app, client, db_session, protected):
    load_demo(app, db_session)
    pending = db_session.scalar(sa.select(sa.func.count()).where(EmailOutbox.status == "pending"))
    with app.app_context():
        runner = command_runner(app, db_session, CommandContext(Actor.system("test")))
        runner.run(RecordVerification(idempotency_key="v-1", check_name="ledger", violations=0, summary="ok"))
        runner.run(RecordVerification(idempotency_key="v-2", check_name="audit", violations=1, summary="event 7"))
    change(app, db_session, flag=AGENT_PORTAL, rollout_percentage=25)
    samples = scraped(client)
    assert samples[("portal_database_reachable", ())] == 1
    assert samples[("portal_email_outbox_depth", ())] == pending
    assert samples[("portal_verification_ok", (("check", "ledger"),))] == 1
    assert samples[("portal_verification_ok", (("check", "audit"),))] == 0
    assert samples[("portal_verification_violations", (("check", "audit"),))] == 1
    assert samples[("portal_verification_last_run_timestamp_seconds", (("check", "audit"),))] > 1.7e9
    assert samples[("portal_verification_last_success_timestamp_seconds", (("check", "audit"),))] == 0
    assert samples[("portal_flag_rollout_percentage", (("flag", AGENT_PORTAL),))] == 25
    assert samples[("portal_flag_enabled", (("flag", "financial_orchestrator"),))] == 1


def test_flag_evaluations_and_key_provider_calls_are_counted(app, client, db_session, protected):
    load_demo(app, db_session)
    on = value("portal_flag_evaluations_total", flag=AGENT_PORTAL, result="on")
    log_in_as(client, "agent")
    client.get("/portal/northwind/")
    assert value("portal_flag_evaluations_total", flag=AGENT_PORTAL, result="on") > on
    provider = app.extensions["portal.key_provider"]
    calls = value("portal_key_provider_calls_total", provider="local", operation="wrap", outcome="ok", cohort="none")
    wrapped = provider.wrap(b"k" * 32)
    assert provider.unwrap(wrapped) == b"k" * 32
    assert value("portal_key_provider_calls_total", provider="local", operation="wrap", outcome="ok",
                 cohort="none") == calls + 1  # fmt: skip
    errors = value("portal_key_provider_calls_total", provider="local", operation="unwrap", outcome="error",
                   cohort="none")  # fmt: skip
    with pytest.raises(DomainError):  # a data key altered in storage: SecretUnreadable, or another provider's
        provider.unwrap(type(wrapped)(wrapped.key_version, b"altered" + wrapped.blob[7:]))
    assert value("portal_key_provider_calls_total", provider="local", operation="unwrap", outcome="error",
                 cohort="none") == errors + 1  # fmt: skip


def test_a_database_that_cannot_be_read_leaves_its_gauges_out_and_says_so(tmp_path):
    from tests.conftest import make_app

    broken = make_app("postgresql+psycopg://postgres@127.0.0.1:1/nowhere", tmp_path, METRICS_TOKEN=TOKEN)
    samples = scraped(broken.test_client())
    assert samples[("portal_database_reachable", ())] == 0
    assert ("portal_email_outbox_depth", ()) not in samples
    assert any(name == "portal_http_request_duration_seconds_count" for name, _ in samples)
