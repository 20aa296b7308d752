"""The provisioned Grafana dashboard (deploy/grafana) is whole, and asks only for what the portal exports.

Runbooks name its rows and panels, so their titles are checked exactly. Every panel reads the provisioned
Prometheus datasource, says what to do when it looks wrong, and queries metrics of the portal's catalogue
with label values it really produces. A gauge read from the shared database is reported alike by every
instance: summing it would multiply it by the number of instances, so it is only ever aggregated with max.
No database, no network: the live-Prometheus test sends the same expressions (tests.support.promql) to a real one.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.promql import aggregated_selectors, dashboard_expressions, dashboard_panels, vector_selectors

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "agent-portal.json"
DATASOURCES = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = GRAFANA / "provisioning" / "dashboards" / "agent-portal.yml"

#: Each row's panels, in order: runbooks refer to these titles.
ROWS = {
    "Traffic": ["Requests per second by status class", "Requests in flight", "Database connections in use"],
    "Latency": ["Latency p50 / p95 / p99", "Slowest endpoints (p99)", "Requests slower than 0.5 s (SLO)"],
    "Errors": ["5xx ratio", "Responses by status class per endpoint (5xx)"],
    "Money": [
        "Money commands by outcome",
        "Money command refusals by error",
        "Money command failures",
        "Money command duration p99",
    ],
    "Conflicts and retries": [
        "Retries per second by command",
        "Final conflicts per second by command",
        "Idempotency replays per second",
    ],
    "E-mail outbox": ["Outbox depth", "Oldest due e-mail age", "E-mails failed for good", "Deliveries by outcome"],
    "Verification": [
        "Ledger verify: last result",
        "Audit verify: last result",
        "Time since last ledger verify",
        "Time since last audit verify",
    ],
    "Key provider": ["Key provider calls by outcome", "Key provider latency p99", "Key provider errors"],
    "Canary versus control": [
        "Rollout percentage (agent_portal)",
        "Money kill switch (financial_orchestrator)",
        "5xx ratio: canary vs control",
        "p99 latency: canary vs control",
        "Money command failures: canary vs control",
        "Conflicts: canary vs control",
        "Requests per second: canary vs control",
    ],
}
STATS = {
    "Outbox depth",
    "Oldest due e-mail age",
    "E-mails failed for good",
    "Ledger verify: last result",
    "Audit verify: last result",
    "Time since last ledger verify",
    "Time since last audit verify",
    "Rollout percentage (agent_portal)",
    "Money kill switch (financial_orchestrator)",
}
UNITS = {"reqps", "s", "percentunit", "short"}

COHORTS = {"canary", "control", "none"}
#: Every metric the portal exports, with its labels and the values of those that take a fixed set.
#: Any label: None. job and instance come from the scrape, le from a histogram's buckets.
EXPORTED: dict[str, dict[str, set[str] | None]] = {
    "portal_http_request_duration_seconds": {
        "endpoint": None,
        "method": None,
        "status_class": {"2xx", "3xx", "4xx", "5xx"},
        "cohort": COHORTS,
    },
    "portal_http_requests_in_flight": {},
    "portal_money_commands_total": {
        "command": None,
        "outcome": {"succeeded", "replayed", "refused", "conflict", "failed"},
        "error": None,
        "cohort": COHORTS,
    },
    "portal_money_command_duration_seconds": {"command": None},
    "portal_command_retries_total": {"command": None, "cohort": COHORTS},
    "portal_command_conflicts_total": {"command": None, "cohort": COHORTS},
    "portal_idempotency_replays_total": {"layer": {"command", "api"}, "cohort": COHORTS},
    "portal_email_deliveries_total": {"outcome": {"sent", "retried", "failed"}},
    "portal_email_outbox_depth": {},
    "portal_email_outbox_oldest_due_age_seconds": {},
    "portal_email_outbox_failed": {},
    "portal_verification_ok": {"check": {"ledger", "audit"}},
    "portal_verification_last_run_timestamp_seconds": {"check": {"ledger", "audit"}},
    "portal_verification_last_success_timestamp_seconds": {"check": {"ledger", "audit"}},
    "portal_verification_violations": {"check": {"ledger", "audit"}},
    "portal_flag_evaluations_total": {"flag": None, "result": {"on", "off"}},
    "portal_flag_enabled": {"flag": {"agent_portal", "read_model_reads", "financial_orchestrator"}},
    "portal_flag_rollout_percentage": {"flag": {"agent_portal", "read_model_reads", "financial_orchestrator"}},
    "portal_key_provider_calls_total": {"provider": None, "operation": None, "outcome": {"ok", "error"}},
    "portal_key_provider_call_duration_seconds": {"provider": None, "operation": None},
    "portal_db_pool_connections_in_use": {},
    "portal_database_reachable": {},
}
HISTOGRAMS = {
    "portal_http_request_duration_seconds",
    "portal_money_command_duration_seconds",
    "portal_key_provider_call_duration_seconds",
}
SCRAPE_LABELS = {"job", "instance"}
#: Read from the shared database: every instance reports the same value.
DATABASE_GAUGE_PREFIXES = (
    "portal_email_outbox_",
    "portal_verification_",
    "portal_flag_enabled",
    "portal_flag_rollout_percentage",
)

_MATCHER = re.compile(r'\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')


@cache
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panels() -> list[dict[str, Any]]:
    """The panels that show something: rows left out."""
    return [panel for panel in dashboard_panels(dashboard()) if panel["type"] != "row"]


def panel(title: str) -> dict[str, Any]:
    (found,) = [candidate for candidate in panels() if candidate["title"] == title]
    return found


def raw_expressions() -> list[tuple[str, str]]:
    """(panel title, expression) as written in the dashboard, Grafana variables and all."""
    return [(p["title"], target["expr"]) for p in panels() for target in p["targets"]]


def split_selector(selector: str) -> tuple[str, list[tuple[str, str, str]]]:
    """A selector's metric name and its (label, operator, value) matchers."""
    name, _, body = selector.partition("{")
    body = body.removesuffix("}")
    matchers = [match.groups() for match in _MATCHER.finditer(body)]
    assert "".join(match.group() for match in _MATCHER.finditer(body)) == body, f"unread matchers in {selector}"
    return name, matchers


def metric_family(name: str) -> str:
    """The catalogue name of a series: a histogram's _bucket, _count and _sum are the histogram."""
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and name.removesuffix(suffix) in HISTOGRAMS:
            return name.removesuffix(suffix)
    return name


def is_database_gauge(name: str) -> bool:
    return name.startswith(DATABASE_GAUGE_PREFIXES)


def test_the_dashboard_is_json_with_the_agent_portal_settings():
    settings = dashboard()
    assert (settings["uid"], settings["title"]) == ("agent-portal", "Agent Portal")
    assert settings["schemaVersion"] == 39
    assert settings["refresh"] == "30s"
    assert settings["time"] == {"from": "now-6h", "to": "now"}


def test_instance_is_the_only_variable_and_canary_against_control_is_side_by_side():
    (variable,) = dashboard()["templating"]["list"]
    assert variable["name"] == "instance"
    assert variable["type"] == "query"
    assert variable["query"]["query"] == "label_values(portal_http_requests_in_flight, instance)"
    assert variable["definition"] == variable["query"]["query"]
    assert (variable["multi"], variable["includeAll"], variable["allValue"]) == (True, True, ".*")


def test_panel_ids_are_unique():
    ids = [p["id"] for p in dashboard_panels(dashboard())]
    assert len(ids) == len(set(ids))


def test_every_panel_has_a_place_a_description_a_unit_and_queries():
    for p in panels():
        title = p["title"]
        assert {"x", "y", "w", "h"} <= p["gridPos"].keys(), title
        description = p.get("description", "")
        assert description.endswith(".") and len(description) > 40, f"{title}: say what it shows and what to do"
        assert p["fieldConfig"]["defaults"].get("unit") in UNITS, title
        assert p["targets"], title
        for target in p["targets"]:
            assert target["expr"].strip(), title
            assert target["legendFormat"], title


def test_every_panel_reads_the_provisioned_prometheus():
    (datasource,) = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))["datasources"]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "${PROMETHEUS_URL}"
    assert datasource["isDefault"] is True
    expected = {"type": "prometheus", "uid": datasource["uid"]}
    assert datasource["uid"] == "agent-portal-prometheus"
    assert dashboard()["templating"]["list"][0]["datasource"] == expected
    for p in panels():
        assert p["datasource"] == expected, p["title"]
        for target in p["targets"]:
            assert target.get("datasource", expected) == expected, p["title"]


def test_the_dashboard_is_provisioned_into_the_agent_portal_folder():
    (provider,) = yaml.safe_load(DASHBOARD_PROVIDERS.read_text(encoding="utf-8"))["providers"]
    assert provider["type"] == "file"
    assert provider["folder"] == "Agent Portal"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards/agent-portal"


def test_rows_and_their_panels_have_the_titles_runbooks_use():
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for p in dashboard_panels(dashboard()):
        if p["type"] == "row":
            current = found.setdefault(p["title"], [])
        else:
            current.append(p["title"])
    assert found == ROWS


def test_stats_are_stats():
    assert {p["title"] for p in panels() if p["type"] == "stat"} == STATS


@pytest.mark.parametrize(
    ("title", "mapped"),
    [
        ("Ledger verify: last result", {"1": ("OK", "green"), "0": ("VIOLATION", "red")}),
        ("Audit verify: last result", {"1": ("OK", "green"), "0": ("VIOLATION", "red")}),
        ("Money kill switch (financial_orchestrator)", {"1": ("money ON", "green"), "0": ("PAUSED", "red")}),
    ],
)
def test_switches_read_as_words(title, mapped):
    mappings = panel(title)["fieldConfig"]["defaults"]["mappings"]
    (mapping,) = [m for m in mappings if m["type"] == "value"]
    assert {value: (shown["text"], shown["color"]) for value, shown in mapping["options"].items()} == mapped
    if "verify" in title:  # before the first run the gauge is NaN: said in words, not as a blank
        (never,) = [m for m in mappings if m["type"] == "special"]
        assert never["options"]["match"] == "nan" and never["options"]["result"]["text"] == "NEVER RAN"


@pytest.mark.parametrize(
    ("title", "hours"), [("Time since last ledger verify", 2), ("Time since last audit verify", 26)]
)
def test_a_verification_that_stopped_running_turns_red_when_its_alert_would(title, hours):
    defaults = panel(title)["fieldConfig"]["defaults"]
    assert defaults["unit"] == "s"
    assert {"color": "red", "value": hours * 3600} in defaults["thresholds"]["steps"]


def test_metric_names_are_the_portals():
    for title, expr in dashboard_expressions(DASHBOARD):
        for selector in vector_selectors(expr):
            name, _ = split_selector(selector)
            assert name.startswith("portal_") or name in ("up", "ALERTS"), f"{title}: {selector}"


def test_selectors_name_exported_metrics_labels_and_values():
    for title, expr in dashboard_expressions(DASHBOARD):
        for selector in vector_selectors(expr):
            name, matchers = split_selector(selector)
            if name in ("up", "ALERTS"):
                continue  # Prometheus's own: their labels are the scrape's and the alert rules'
            labels = EXPORTED.get(metric_family(name))
            assert labels is not None, f"{title}: {name} is not exported"
            for label, operator, value in matchers:
                known = labels | dict.fromkeys(SCRAPE_LABELS) | ({"le": None} if name.endswith("_bucket") else {})
                assert label in known, f"{title}: {name} has no label {label}"
                values = known[label]
                if values is None or operator in ("!=", "!~"):
                    continue
                alternatives = value.split("|") if operator == "=~" else [value]
                assert set(alternatives) <= values, f"{title}: {selector} asks for a {label} never produced"


def test_rates_follow_the_scrape_interval():
    for title, expr in raw_expressions():
        for window in re.findall(r"\[([^\]]*)\]", expr):
            assert window in ("$__rate_interval", "$__range"), f"{title}: [{window}]"


def test_per_instance_metrics_follow_the_instance_variable():
    for title, expr in raw_expressions():
        for selector in vector_selectors(expr):
            name, matchers = split_selector(selector)
            if not is_database_gauge(name):
                assert ("instance", "=~", "$instance") in matchers, f"{title}: {selector}"


def test_database_gauges_are_never_summed_across_instances():
    for title, expr in dashboard_expressions(DASHBOARD):
        summed = [s for s in aggregated_selectors(expr, "sum") if is_database_gauge(split_selector(s)[0])]
        assert not summed, f"{title}: sum() of {summed}; every instance reports the same value, use max()"
        for selector in vector_selectors(expr):
            if is_database_gauge(split_selector(selector)[0]):
                # max: every instance reports the same; min for the kill switch, which an override pauses per instance
                kept = aggregated_selectors(expr, "max") + aggregated_selectors(expr, "min")
                assert selector in kept, f"{title}: aggregate {selector} with max() (or min())"


def test_canary_against_control_compares_the_two_cohorts_by_cohort():
    for title in ROWS["Canary versus control"][2:]:
        for target in panel(title)["targets"]:
            assert target["legendFormat"] == "{{cohort}}", title
            for selector in vector_selectors(target["expr"]):
                assert ("cohort", "=~", "canary|control") in split_selector(selector)[1], f"{title}: {selector}"
