"""Live portals under a short, bounded load: agents of both cohorts calling the API, staff reading, money moving.

Used by the canary drill (``bench/canary_drill.py``) and by the test that checks every dashboard panel and alert
against a real Prometheus. Every request goes to 127.0.0.1; the load is a fixed number of requests per agent.
"""

from __future__ import annotations

import random
import subprocess
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.flags.evaluation import rollout_bucket
from portal.models import Agent
from portal.persistence.context import Actor, CommandContext
from portal.seed.demo import load_demo_data
from portal.seed.scale import load_scale_data
from portal.services.api_tokens import CreateApiToken, new_secret
from portal.services.running import command_runner
from tests.support.serving import ROOT, Gunicorn

SECRET_KEY = "live-traffic-secret-key-long-enough-0123456789"
CHAIN_KEY = "live-traffic-audit-chain-key-0123456789"
METRICS_TOKEN = "live-traffic-metrics-token-0123456789"


@dataclass
class Fleet:
    """The agents that call the API (each with a write token), and a finance token."""

    agents: dict[str, tuple[int, str]] = field(default_factory=dict)
    finance: str = ""

    def canary(self, percentage: int) -> list[str]:
        """The agents inside an ``agent_portal`` rollout of ``percentage`` (the flag's own bucketing)."""
        return [slug for slug in self.agents if rollout_bucket("agent_portal", slug) < percentage]


def environment(url: str, directory: Path, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "AUDIT_CHAIN_KEY": CHAIN_KEY,
        "LOCAL_KEYRING_PATH": str(directory / "keyring.json"), "METRICS_TOKEN": METRICS_TOKEN,
        "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "8", "FLAG_SNAPSHOT_TTL": "1",
        "API_RATE_LIMIT": "100000 per minute", "LOG_LEVEL": "WARNING", **extra,
    }  # fmt: skip


def prepare(url: str, directory: Path, agents: int = 120) -> Fleet:
    """Migrate, load the demo data and ``agents`` generated agents, and give each agent an API token."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "AUDIT_CHAIN_KEY": CHAIN_KEY,
                      "LOCAL_KEYRING_PATH": str(directory / "keyring.json"), "LOG_LEVEL": "WARNING"})  # fmt: skip
    fleet = Fleet()
    with app.app_context():
        upgrade()
        load_demo_data(db.session)
        load_scale_data(db.session, agents, seed=11)
        runner = command_runner(app, db.session, CommandContext(Actor.system("live-traffic")))
        for agent_id, slug in db.session.execute(sa.select(Agent.id, Agent.slug).order_by(Agent.id)).all():
            secret = new_secret()
            runner.run(CreateApiToken(idempotency_key=f"live-{agent_id}", token_name=f"load {slug}", scope="write",
                                      owner_role="agent", agent_id=agent_id, secret=secret))  # fmt: skip
            fleet.agents[slug] = (agent_id, secret)
        fleet.finance = new_secret()
        runner.run(CreateApiToken(idempotency_key="live-finance", token_name="load finance", scope="write",
                                  owner_role="finance", secret=fleet.finance))  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    return fleet


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``flask --app wsgi …`` as an operator runs it, with the instances' environment."""
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env})  # fmt: skip


def start(env: dict[str, str], count: int = 2) -> list[Gunicorn]:
    instances: list[Gunicorn] = []
    try:
        for _ in range(count):
            instances.append(Gunicorn(env).start())
    except Exception:
        for instance in instances:
            instance.stop()
        raise
    return instances


def _agent_calls(base: str, agent_id: int, secret: str, rounds: int) -> Counter:
    statuses: Counter = Counter()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    for _ in range(rounds):
        for path in (f"/api/v1/agents/{agent_id}/wallet", "/api/v1/invoices", "/api/v1/payouts"):
            statuses[session.get(base + path, timeout=30).status_code] += 1
        payout = session.post(base + "/api/v1/payouts", json={"amount": {"amount_minor": 2500, "currency": "EUR"}},
                              headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30)  # fmt: skip
        statuses[payout.status_code] += 1
    return statuses


def drive(urls: list[str], fleet: Fleet, rounds: int = 2, workers: int = 8, only: list[str] | None = None) -> Counter:
    """Each agent (or each of ``only``) asks ``rounds`` times for its wallet, invoices, payouts and a payout, spread
    over the instances; staff read the agents list. The count of each status is answered."""
    chosen = only if only is not None else list(fleet.agents)
    rng = random.Random(3)
    jobs = [(rng.choice(urls), *fleet.agents[slug]) for slug in chosen]
    statuses: Counter = Counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for counted in pool.map(lambda job: _agent_calls(job[0], job[1], job[2], rounds), jobs):
            statuses.update(counted)
    staff = requests.Session()
    staff.headers["Authorization"] = f"Bearer {fleet.finance}"
    for url in urls:
        for _ in range(rounds * 5):
            statuses[staff.get(f"{url}/api/v1/agents?limit=10", timeout=30).status_code] += 1
    return statuses
