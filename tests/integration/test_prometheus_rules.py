"""The Prometheus files in deploy/prometheus are valid, and every rule in them is tested and documented.

promtool accepts the scrape config (on a copy whose metrics token file exists), accepts the rules and passes their
unit tests in deploy/prometheus/tests. Read as YAML, the files show that every alert fires in some promtool test and
stays quiet in another, that every recording rule is checked by a promql_expr_test, and that every alert has a
``for``, a severity (page or ticket), a summary, a description and the runbook anchor of its name.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.required import part_missing

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
TEST_FILES = sorted((PROMETHEUS / "tests").glob("*.yml"))
#: Exists on the Prometheus host only: `promtool check config` refuses a config whose token file is missing.
TOKEN_FILE = "/etc/prometheus/agent-portal-metrics-token"
SEVERITIES = {"page", "ticket"}
RUNBOOK = "docs/runbooks/alerts.md#"


def _rules() -> list[dict[str, Any]]:
    return [rule for path in RULE_FILES for group in _load(path)["groups"] for rule in group["rules"]]


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


ALERTS = {rule["alert"]: rule for rule in _rules() if "alert" in rule}
RECORDS = [rule["record"] for rule in _rules() if "record" in rule]


def _test_cases() -> list[dict[str, Any]]:
    return [case for path in TEST_FILES for case in _load(path)["tests"]]


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        part_missing("promtool", "sudo apt-get install prometheus (make test installs it)")
    return str(path)


def _run(*command: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"{' '.join(map(str, command))} exited {result.returncode}:\n{output}"
    return output


def test_the_rule_and_test_files_exist():
    assert RULE_FILES, f"no rule file in {PROMETHEUS / 'rules'}"
    assert TEST_FILES, f"no promtool test file in {PROMETHEUS / 'tests'}"


def test_promtool_accepts_the_scrape_config(promtool, tmp_path):
    config = (PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8")
    assert config.count(TOKEN_FILE) == 1, f"prometheus.yml no longer reads the metrics token from {TOKEN_FILE}"
    token = tmp_path / "agent-portal-metrics-token"
    token.write_text("a-token\n", encoding="utf-8")
    # rule_files is relative to the config: the copy takes the rules along, to check them as Prometheus loads them.
    shutil.copytree(PROMETHEUS / "rules", tmp_path / "rules")
    (tmp_path / "prometheus.yml").write_text(config.replace(TOKEN_FILE, str(token)), encoding="utf-8")

    output = _run(promtool, "check", "config", tmp_path / "prometheus.yml", cwd=tmp_path)

    assert f"SUCCESS: {len(RULE_FILES)} rule files found" in output, output


def test_promtool_accepts_the_rules(promtool):
    _run(promtool, "check", "rules", "--lint=all", "--lint-fatal", *RULE_FILES, cwd=PROMETHEUS)


@pytest.mark.parametrize("test_file", TEST_FILES, ids=lambda path: path.name)
def test_the_promtool_unit_tests_pass(promtool, test_file):
    _run(promtool, "test", "rules", test_file, cwd=PROMETHEUS)


def test_every_alert_fires_in_a_promtool_test():
    fired = {
        check["alertname"]
        for case in _test_cases()
        for check in case.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    assert sorted(set(ALERTS) - fired) == []


def test_every_alert_stays_quiet_in_a_promtool_test():
    quiet = {
        check["alertname"]
        for case in _test_cases()
        for check in case.get("alert_rule_test", [])
        if not check.get("exp_alerts")
    }
    assert sorted(set(ALERTS) - quiet) == []


def test_every_recording_rule_is_checked_by_a_promql_expr_test():
    expressions = [check["expr"] for case in _test_cases() for check in case.get("promql_expr_test", [])]
    unchecked = [
        record
        for record in RECORDS
        if not any(re.search(rf"(?<![\w:]){re.escape(record)}(?![\w:])", expr) for expr in expressions)
    ]
    assert RECORDS
    assert unchecked == []


@pytest.mark.parametrize("name", sorted(ALERTS))
def test_every_alert_has_a_severity_a_summary_a_description_and_its_runbook(name):
    alert = ALERTS[name]
    annotations = alert.get("annotations", {})

    assert "for" in alert, f"{name} has no `for:`"
    assert alert.get("labels", {}).get("severity") in SEVERITIES
    assert annotations.get("summary", "").strip()
    assert annotations.get("description", "").strip()
    assert annotations.get("runbook_url") == f"{RUNBOOK}{name.lower()}"
