"""The canary checklist, executed: 0 → 5 → 25 %, a fault at 25 %, the widening refused, the rollback, the record.

Two gunicorn instances on one fresh PostgreSQL database serve agents of both
cohorts (each agent calls the API with its own token); ``flask rollout`` reads
the guardrails from the instances' own ``/metrics``. At 25 % the instances are
restarted with a fault for canary agents (``DRILL_FAIL_MONEY_FOR=canary``: their
money commands fail, as a bad release would make them); the guardrails turn
red, ``widen 50`` is refused, ``rollback`` takes the rollout to 0 %, and the
former canary agents are served again. ``ledger verify`` passes at the end: the
failed commands changed nothing. The outcome is written as a Markdown record.

    .venv/bin/python bench/canary_drill.py --record docs/rollouts/<date>-canary-drill.md

Every request goes to 127.0.0.1, a fixed number per agent (about 2,000 in all).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.support import live_traffic  # noqa: E402
from tests.support.postgres import DatabaseFactory, find_server  # noqa: E402


@dataclass
class Step:
    title: str
    command: str
    exit_code: int
    output: str
    expected: str
    held: bool


@dataclass
class Drill:
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    steps: list[Step] = field(default_factory=list)
    traffic: list[tuple[str, dict[int, int]]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(step.held for step in self.steps)


class Operator:
    """Runs ``flask …`` as an operator would, against the instances' database, and keeps what it printed."""

    def __init__(self, env: dict[str, str], drill: Drill) -> None:
        self.app = create_app({
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "SECRET_KEY": env["SECRET_KEY"],
            "AUDIT_CHAIN_KEY": env["AUDIT_CHAIN_KEY"], "LOCAL_KEYRING_PATH": env["LOCAL_KEYRING_PATH"],
            "METRICS_TOKEN": env["METRICS_TOKEN"], "ROLLOUT_METRICS_URLS": tuple(env["ROLLOUT_METRICS_URLS"].split(",")),
            "ROLLOUT_MIN_REQUESTS": float(env["ROLLOUT_MIN_REQUESTS"]),
            "ROLLOUT_MIN_P99_SECONDS": float(env["ROLLOUT_MIN_P99_SECONDS"]), "LOG_LEVEL": "WARNING",
        })  # fmt: skip
        self.drill = drill
        self.clock = time.monotonic()

    def urls(self, urls: list[str]) -> None:
        """The instances moved (a restart takes new ports): the guardrails read the new ones."""
        self.app.config["ROLLOUT_METRICS_URLS"] = tuple(f"{url}/metrics" for url in urls)

    def run(self, title: str, args: list[str], expected_exit: int, expected: str, must_contain: str = "") -> Step:
        result = self.app.test_cli_runner().invoke(args=args)
        output = result.output.strip()
        held = result.exit_code == expected_exit and must_contain in output
        step = Step(title, "flask " + " ".join(_quoted(a) for a in args), result.exit_code, output, expected, held)
        self.drill.steps.append(step)
        print(f"[{'ok' if held else 'FAILED'}] {time.monotonic() - self.clock:5.1f} s  {title}: exit {result.exit_code}",
              flush=True)  # fmt: skip
        return step

    def close(self) -> None:
        """Its database connections closed, not left to the garbage collector."""
        with self.app.app_context():
            db.engine.dispose()


def _quoted(arg: str) -> str:
    return f'"{arg}"' if " " in arg else arg


def run_drill(database_url: str, directory: Path, agents: int = 60) -> Drill:
    drill = Drill()
    fleet = live_traffic.prepare(database_url, directory, agents=agents)
    # A few dozen canary requests on a machine shared with the load give a p99 that is noise (it is their slowest):
    # the drill's fault is in errors, so latency is judged only above 2 s here.
    env = live_traffic.environment(database_url, directory, ROLLOUT_MIN_REQUESTS="10", ROLLOUT_MIN_P99_SECONDS="2")
    instances = live_traffic.start(env)
    env["ROLLOUT_METRICS_URLS"] = ",".join(f"{i.url}/metrics" for i in instances)
    operator = Operator(env, drill)
    try:
        urls = [instance.url for instance in instances]
        operator.run("The ledger holds before the rollout", ["ledger", "verify"], 0, "ledger OK", "ledger OK")
        operator.run("Start from 0 %", ["rollout", "rollback", "--reason", "canary drill: start from 0 %"], 0,
                     "the rollout at 0 %", "→ 0 %")  # fmt: skip
        for percentage in (5, 25):
            operator.run(f"Widen to {percentage} %", ["rollout", "widen", str(percentage)], 0,
                         "allowed: every guardrail green", f"→ {percentage} %")  # fmt: skip
            served = live_traffic.drive(urls, fleet)
            # A small fleet's 5 % can be one agent, whose eight calls fall short of the ten a guardrail judges:
            # the canary agents ask again, so the step is judged on its traffic rather than waited for.
            served.update(live_traffic.drive(urls, fleet, only=fleet.canary(percentage)))
            drill.traffic.append((f"at {percentage} %", dict(served)))
            operator.run(f"Watch at {percentage} %", ["rollout", "status"], 0, "GREEN", "GREEN")
        for instance in instances:
            instance.stop()
        instances = live_traffic.start({**env, "DRILL_FAIL_MONEY_FOR": "canary"})
        urls = [instance.url for instance in instances]
        operator.urls(urls)
        drill.traffic.append(("at 25 %, the fault in place", dict(live_traffic.drive(urls, fleet))))
        operator.run("The fault turns a guardrail red", ["rollout", "status"], 0, "RED", "RED")
        operator.run("Widening to 50 % is refused", ["rollout", "widen", "50"], 1, "refused, nothing changed",
                     "refused")  # fmt: skip
        operator.run("Roll back", ["rollout", "rollback", "--reason", "canary drill: canary money commands fail"],
                     0, "the rollout at 0 %", "25 → 0 %")  # fmt: skip
        # Every instance reads the flag again within FLAG_SNAPSHOT_TTL (1 s here, 2 s by default): then it holds.
        time.sleep(float(env["FLAG_SNAPSHOT_TTL"]) * 2 + 0.5)
        former = fleet.canary(25)
        served = live_traffic.drive(urls, fleet, only=former)
        drill.traffic.append(("after the rollback, the former canary agents", dict(served)))
        restored = not any(status >= 500 for status in served)
        drill.steps.append(Step("The former canary agents are served again", "(their API calls)", 0,
                                json.dumps(dict(served)), "no 5xx", restored))  # fmt: skip
        operator.run("Status after the rollback", ["rollout", "status"], 0, "GREEN at 0 %", "GREEN")
        operator.run("The ledger still holds", ["ledger", "verify"], 0, "ledger OK", "ledger OK")
    finally:
        for instance in instances:
            instance.stop()
        operator.close()
    return drill


def record(drill: Drill, seconds: float) -> str:
    """The drill as the release checklist's record (docs/runbooks/canary.md)."""
    lines = [
        f"# Canary drill, {drill.started:%Y-%m-%d %H:%M} UTC: {'PASSED' if drill.passed else 'FAILED'}",
        "",
        "The canary checklist of `docs/runbooks/canary.md`, executed by `bench/canary_drill.py` against two gunicorn "
        "instances on one PostgreSQL database, guardrails read from the instances' `/metrics`. At 25 % the instances "
        "were restarted with `DRILL_FAIL_MONEY_FOR=canary` (the money commands of canary agents fail). Time is "
        "compressed: each step waits for its load (every agent's calls), not for `ROLLOUT_WINDOW`; the guardrails need "
        "10 canary requests (`ROLLOUT_MIN_REQUESTS=10`) instead of 20, and p99 is judged only above 2 s "
        "(`ROLLOUT_MIN_P99_SECONDS=2`): a few dozen requests on a machine shared with the load give a p99 that is noise.",
        "",
        f"- Machine: {platform.node()}, Python {platform.python_version()}, {seconds:.0f} s in all.",
        "",
        "| # | step | command | expected | exit | outcome |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for number, step in enumerate(drill.steps, 1):
        lines.append(f"| {number} | {step.title} | `{step.command}` | {step.expected} | {step.exit_code} | "
                     f"{'as expected' if step.held else '**NOT as expected**'} |")  # fmt: skip
    lines += ["", "## Traffic (HTTP status: requests)", ""]
    for phase, statuses in drill.traffic:
        shown = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
        lines.append(f"- {phase}: {shown}")
    lines += ["", "## What each command printed", ""]
    for number, step in enumerate(drill.steps, 1):
        lines += [f"### {number}. {step.title}", "", "```", f"$ {step.command}", step.output, "```", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--record", type=Path, help="Write the Markdown record here.")
    parser.add_argument("--agents", type=int, default=60)
    arguments = parser.parse_args()
    server_url, cluster = find_server()
    databases = DatabaseFactory(server_url)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="canary-drill-") as directory:
            drill = run_drill(databases.create(), Path(directory), arguments.agents)
    finally:
        databases.drop_all()
        if cluster is not None:
            cluster.stop()
    text = record(drill, time.monotonic() - started)
    if arguments.record:
        arguments.record.parent.mkdir(parents=True, exist_ok=True)
        arguments.record.write_text(text + "\n", encoding="utf-8")
        print(f"record written to {arguments.record}")
    print(f"drill {'PASSED' if drill.passed else 'FAILED'}")
    return 0 if drill.passed else 1


if __name__ == "__main__":
    sys.exit(main())
