"""The dashboard and the alert rules against a real Prometheus scraping two live instances under a short load.

Two gunicorn instances on one PostgreSQL database (the second with a fault for canary agents, so errors and failed
money commands exist), agents of both cohorts calling the API, ``ledger verify`` and ``audit verify`` run; a
Prometheus from Debian's package scrapes both every second with the shipped rules loaded. Then every panel's and
every rule's expression is sent to its HTTP API: a parse error fails, and so does any selector that finds no series
(a metric name that does not exist, or a label value nothing has).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
import yaml
from flask_migrate import upgrade
from prometheus_client.parser import text_string_to_metric_families

from portal import create_app
from portal.extensions import db
from tests.support import live_traffic
from tests.support.promql import dashboard_expressions, vector_selectors
from tests.support.required import part_missing
from tests.support.serving import ROOT, Gunicorn

#: One worker runs this module: its fixture starts servers once, not once per worker.
pytestmark = pytest.mark.xdist_group("prometheus-live")

DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "agent-portal.json"
RULES = sorted((ROOT / "deploy" / "prometheus" / "rules").glob("*.yml"))
#: Every rate the panels and rules read needs two scrapes in its window: waited for, up to this long, after the load
#: (a loaded machine answers a scrape late, and a late scrape is a failed one).
SETTLE_SECONDS = 60
SETTLED = (
    'sum(rate(portal_http_request_duration_seconds_count{cohort="canary"}[1m]))',
    'portal:http_5xx_ratio:rate5m{cohort="canary"}',
    "portal:http_slow_ratio:rate6h",
    'sum(rate(portal_money_commands_total{outcome="failed"}[1m]))',
)


def rule_expressions() -> list[tuple[str, str]]:
    found = []
    for path in RULES:
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                found.append((rule.get("alert") or rule["record"], rule["expr"]))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Prometheus:
    """``prometheus`` scraping ``targets`` every second with the shipped rules, in a directory of its own."""

    def __init__(self, directory: Path, targets: list[str]) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        token = directory / "metrics-token"
        token.write_text(live_traffic.METRICS_TOKEN, encoding="utf-8")
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(path) for path in RULES],
            "scrape_configs": [{
                "job_name": "agent-portal", "metrics_path": "/metrics",
                "authorization": {"type": "Bearer", "credentials_file": str(token)},
                "static_configs": [{"targets": targets}],
            }],
        }  # fmt: skip
        (directory / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
        self.log = directory / "prometheus.log"
        self._output = self.log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [shutil.which("prometheus") or "prometheus", f"--config.file={directory / 'prometheus.yml'}",
             f"--storage.tsdb.path={directory / 'data'}", f"--web.listen-address={self.url.removeprefix('http://')}"],
            stdout=self._output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"prometheus did not start:\n{self.log.read_text()[-2000:]}")

    def query(self, expression: str) -> dict:
        return requests.get(f"{self.url}/api/v1/query", params={"query": expression}, timeout=10).json()

    def settle(self, expressions: tuple[str, ...], seconds: float) -> None:
        """Wait until each expression has data (or the time is up: the tests then say which has none)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.query(expression)["data"]["result"] for expression in expressions):
                return
            time.sleep(0.5)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self._output.close()


@pytest.fixture(scope="module")
def prometheus(postgres_databases, tmp_path_factory):
    if shutil.which("prometheus") is None:
        part_missing("Prometheus", "sudo apt-get install prometheus (make test installs it)")
    directory = tmp_path_factory.mktemp("prometheus-live")
    url = postgres_databases.create()
    fleet = live_traffic.prepare(url, directory, agents=40)
    env = live_traffic.environment(url, directory)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": env["SECRET_KEY"],
                      "AUDIT_CHAIN_KEY": env["AUDIT_CHAIN_KEY"], "LOG_LEVEL": "WARNING",
                      "LOCAL_KEYRING_PATH": env["LOCAL_KEYRING_PATH"]})  # fmt: skip
    operator = app.test_cli_runner()
    assert operator.invoke(args=["flags", "rollout", "agent_portal", "25", "--reason", "live test"]).exit_code == 0
    instances = live_traffic.start(env, count=1) + live_traffic.start({**env, "DRILL_FAIL_MONEY_FOR": "canary"}, 1)
    server = None
    try:
        server = Prometheus(directory, [instance.url.removeprefix("http://") for instance in instances])
        assert operator.invoke(args=["ledger", "verify"]).exit_code == 0
        assert operator.invoke(args=["audit", "verify"]).exit_code == 0
        statuses = live_traffic.drive([instance.url for instance in instances], fleet, rounds=2)
        assert statuses[500] > 0, "the faulty instance answered some canary money commands with 500"
        server.settle(SETTLED, SETTLE_SECONDS)
        yield server
    finally:
        if server is not None:
            server.stop()
        for instance in instances:
            instance.stop()
        with app.app_context():
            db.engine.dispose()


def metric_names() -> set[str]:
    """Every metric the rules and the dashboard read (not the recording rules' own, nor Prometheus's)."""
    names = set()
    for _, expression in dashboard_expressions(DASHBOARD) + rule_expressions():
        for selector in vector_selectors(expression):
            name = selector.split("{", 1)[0]
            if name and ":" not in name and name not in ("up", "ALERTS"):
                names.add(name)
    return names


def test_a_fresh_instance_refuses_an_anonymous_scrape_and_exports_every_metric_read(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": live_traffic.SECRET_KEY, "LOG_LEVEL": "WARNING",
                      "LOCAL_KEYRING_PATH": str(tmp_path / "keyring.json")})  # fmt: skip
    with app.app_context():
        upgrade()
        db.engine.dispose()
    instance = Gunicorn(live_traffic.environment(url, tmp_path)).start()
    try:
        anonymous = requests.get(f"{instance.url}/metrics", timeout=10)
        scraped = requests.get(f"{instance.url}/metrics", timeout=10,
                               headers={"Authorization": f"Bearer {live_traffic.METRICS_TOKEN}"})  # fmt: skip
    finally:
        instance.stop()
    assert anonymous.status_code == 401 and "portal_" not in anonymous.text
    exported = {sample.name for family in text_string_to_metric_families(scraped.text) for sample in family.samples}
    assert metric_names() - exported == set(), "named by a rule or a panel, absent from a fresh instance"


def test_prometheus_scrapes_both_instances_with_the_token(prometheus):
    answer = prometheus.query('up{job="agent-portal"} == 1')
    assert answer["status"] == "success" and len(answer["data"]["result"]) == 2, answer


@pytest.mark.parametrize(("title", "expression"), dashboard_expressions(DASHBOARD), ids=lambda value: value[:60])
def test_every_panel_parses_and_shows_data(prometheus, title, expression):
    answer = prometheus.query(expression)
    assert answer["status"] == "success", f"{title}: {answer.get('error')}"
    assert answer["data"]["result"], f"{title}: no series for {expression}"
    for selector in vector_selectors(expression):
        assert prometheus.query(selector)["data"]["result"], f"{title}: no series for {selector} (a dead metric?)"


@pytest.mark.parametrize(("name", "expression"), rule_expressions(), ids=lambda value: value[:60])
def test_every_rule_parses_and_every_selector_it_reads_exists(prometheus, name, expression):
    answer = prometheus.query(expression)
    assert answer["status"] == "success", f"{name}: {answer.get('error')}"
    for selector in vector_selectors(expression):
        assert prometheus.query(selector)["data"]["result"], f"{name}: no series for {selector} (a dead metric?)"


def test_every_rule_group_evaluates_without_an_error(prometheus):
    groups = requests.get(f"{prometheus.url}/api/v1/rules", timeout=10).json()["data"]["groups"]
    assert groups, "the shipped rules were loaded"
    broken = [(rule["name"], rule.get("lastError")) for group in groups for rule in group["rules"]
              if rule.get("health") != "ok"]  # fmt: skip
    assert not broken, broken


def test_the_failing_canary_shows_as_failed_money_commands_in_the_canary_cohort_only(prometheus):
    failed = prometheus.query('sum by (cohort) (portal_money_commands_total{outcome="failed"})')["data"]["result"]
    by_cohort = {series["metric"]["cohort"]: float(series["value"][1]) for series in failed}
    assert by_cohort.get("canary", 0) > 0 and by_cohort.get("control", 0) == 0, by_cohort
