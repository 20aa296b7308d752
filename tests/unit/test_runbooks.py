"""The runbooks name only what exists: every alert has its section in alerts.md (and no section names a gone alert),
every ``flask`` command they give is one of the CLI's, and every panel or row they point to is on the dashboard."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from click import Group

from portal import create_app

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = [*sorted((ROOT / "docs" / "runbooks").glob("*.md")), ROOT / "docs" / "rollouts" / "TEMPLATE.md"]
RULES = ROOT / "deploy" / "prometheus" / "rules" / "agent-portal.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "agent-portal.json"
_SPAN = re.compile(r"`([^`\n]+)`")
_FLASK = re.compile(r"\bflask (?:--app wsgi )?([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")


def alerts() -> set[str]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {rule["alert"] for group in groups for rule in group["rules"] if "alert" in rule}


def titles() -> set[str]:
    return {panel["title"] for panel in json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]}


def spans() -> list[tuple[str, str]]:
    return [(path.name, span) for path in RUNBOOKS for span in _SPAN.findall(path.read_text(encoding="utf-8"))]


def test_alerts_md_has_one_section_per_alert_headed_by_its_name():
    headings = set(re.findall(r"^## (\S+)\s*$", (ROOT / "docs/runbooks/alerts.md").read_text(encoding="utf-8"), re.M))
    assert headings == alerts(), f"missing: {alerts() - headings}; no such alert: {headings - alerts()}"


def test_every_alert_named_in_a_runbook_exists():
    named = {(name, span) for name, span in spans() if re.fullmatch(r"Portal[A-Z]\w+", span)}
    assert {span for _, span in named} <= alerts(), sorted(named)


def test_every_flask_command_in_a_runbook_is_the_clis():
    cli = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).cli
    given = {(path.name, m[1], m[2]) for path in RUNBOOKS for m in _FLASK.finditer(path.read_text(encoding="utf-8"))}
    assert given, "the runbooks give commands"
    unknown = []
    for name, group, command in given:
        found = cli.get_command(None, group)
        if found is None or (isinstance(found, Group) and command and found.get_command(None, command) is None):
            unknown.append((name, group, command))
    assert not unknown, unknown


def test_every_panel_or_row_a_runbook_points_to_is_on_the_dashboard():
    looks_like_a_title = [
        (name, span) for name, span in spans()
        if re.match(r"[A-Z0-9]", span) and " " in span and not re.search(r"flask|[/$=]|^Portal", span)
    ]  # fmt: skip
    assert looks_like_a_title, "the runbooks point to panels"
    missing = [(name, span) for name, span in looks_like_a_title if span not in titles()]
    assert not missing, missing
