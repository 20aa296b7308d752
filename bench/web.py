"""Every page under load against a ceiling in the same run: req/s, p50, p99 and the ratio, page by page.

Seeds (or reuses) scale data on PostgreSQL, starts the portal under gunicorn
with the shipped gunicorn.conf.py as production would, and the ceiling app
(bench/ceiling.py: bare Flask + Flask-SQLAlchemy, one indexed 20-row query, a
20-row template) under the same settings on the same database. Logs in as
admin and as an agent (the load sends the log-in's User-Agent: sessions are
bound to it), checks that each page is the real page (status 200, its marker,
its size), loads it with wrk for a fixed time, and prints a table. The last
line is ``min_ratio=<lowest page ratio to the ceiling>``.

    .venv/bin/python bench/web.py [--agents 10000] [--ledger-per-agent 100] [--seconds 10] [--connections 16]

wrk comes from Debian's package (``make bench`` installs it). The database is
BENCH_WEB_DATABASE_URL, else ``portal_bench_web`` on the server at
127.0.0.1:5432, reused when it already holds the data (``--fresh`` reseeds).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

USER_AGENT = "portal-bench/1.0"
SECRET_KEY = "bench-web-secret-key-long-enough-for-hmac-0001"
ADMIN = ("admin@demo.example", "demo-admin-password")
AGENT_LOGIN = ("busiest@scale.example", "bench-agent-password-long")


@dataclass
class Figures:
    page: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, check=True, cwd=ROOT, **kwargs)


def flask(env: dict, *args: str) -> None:
    run([sys.executable, "-m", "flask", "--app", "wsgi", *args], env)


def prepare(database_url: str, server: str, name: str, agents: int, ledger: int, fresh: bool, env: dict) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(database_url) as connection:
        present = (
            connection.execute("SELECT to_regclass('agent') IS NOT NULL").fetchone()[0]
            and connection.execute("SELECT count(*) FROM agent").fetchone()[0]
        )
    flask(env, "db", "upgrade")
    if present:
        print(f"reusing {name}: {present:,} agents", flush=True)
    else:
        flask(env, "seed", "--demo")
        flask(env, "seed", "--scale", str(agents), "--ledger-per-agent", str(ledger))
    with psycopg.connect(database_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM user_account WHERE email = %s", (AGENT_LOGIN[0],)).fetchone():
            run([sys.executable, "-c", _AGENT_LOGIN_SCRIPT], env)
            connection.execute("VACUUM ANALYZE")


_AGENT_LOGIN_SCRIPT = f"""
import sqlalchemy as sa
from portal import create_app
from portal.extensions import db
from portal.models import WalletTransaction
from portal.persistence.context import Actor, CommandContext
from portal.services.accounts import CreateAgentLogin
from portal.services.running import command_runner
app = create_app()
with app.app_context():
    busiest = db.session.scalar(sa.select(WalletTransaction.agent_id).group_by(WalletTransaction.agent_id)
                                .order_by(sa.func.count().desc()).limit(1))
    command_runner(app, db.session, CommandContext(Actor.system("bench"))).run(CreateAgentLogin(
        idempotency_key="bench-agent-login", agent_id=busiest, email={AGENT_LOGIN[0]!r},
        full_name="Busiest Agent", password={AGENT_LOGIN[1]!r}))
"""


def serve(module: str, port: int, env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", module],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "off"},
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz" if module == "wsgi:app" else "/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"{module} did not start on port {port}")


def get(port: int, path: str, cookie: str = "") -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Cookie": cookie})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode()


def log_in(port: int, email: str, password: str) -> str:
    """The session cookie of a log-in, sent by hand (it is Secure, and the load runs over plain HTTP)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login", headers={"User-Agent": USER_AGENT})
    response = connection.getresponse()
    form = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    body = urlencode({"email": email, "password": password, "csrf_token": token})
    headers = {"User-Agent": USER_AGENT, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/login", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"log-in as {email} answered {response.status}")
    return response.getheader("Set-Cookie", "").split(";")[0]


_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def load(port: int, path: str, cookie: str, seconds: int, connections: int) -> tuple[float, float, float, int]:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"User-Agent: {USER_AGENT}",
         "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: float(v) * _UNIT[u] for p, v, u in _LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, latency["50"], latency["99"], int(errors.group(1)) if errors else 0


def pages(database_url: str) -> list[tuple[str, str, str, str]]:
    """(name, who, path, marker): every page the issue lists, with real ids and cursors from the data."""
    from portal.read.pages import Cursor, last_cursor

    with psycopg.connect(database_url) as c:
        agents = c.execute("SELECT count(*) FROM agent").fetchone()[0]
        middle = c.execute("SELECT lower(name), id FROM agent ORDER BY lower(name), id OFFSET %s LIMIT 1",
                           (agents // 2,)).fetchone()  # fmt: skip
        busiest = c.execute("SELECT agent_id FROM user_account WHERE email = %s", (AGENT_LOGIN[0],)).fetchone()[0]
        slug = c.execute("SELECT slug FROM agent WHERE id = %s", (busiest,)).fetchone()[0]
        invoice = c.execute("SELECT id FROM invoice ORDER BY id DESC OFFSET 50000 LIMIT 1").fetchone()[0]
        seq = c.execute("SELECT max(seq) - 1000000 FROM audit_event").fetchone()[0]
        entry = c.execute("SELECT max(id) - 60 FROM wallet_transaction WHERE agent_id = %s", (busiest,)).fetchone()[0]
    deep = Cursor("next", (middle[0], middle[1]), agents // 2 + 1).encode()
    year = "from=" + time.strftime("%Y-%m-%d", time.gmtime(time.time() - 364 * 86400))
    staff = [
        ("overview", "/dashboard/", "Overview"),
        ("overview, 1 year", f"/dashboard/?{year}", "Overview"),
        ("agents, first page", "/dashboard/agents", "agent-name"),
        ("agents, middle page", f"/dashboard/agents?cursor={deep}", "agent-name"),
        ("agents, last page", f"/dashboard/agents?cursor={last_cursor()}", "agent-name"),
        ("agents, search", "/dashboard/agents?q=agent-0099", "agent-name"),
        *[(f"agents by {sort}", f"/dashboard/agents?sort={sort}&dir=desc", "agent-name")
          for sort in ("collected", "outstanding", "earned", "available", "last_payment")],
        *[(f"agent detail, {tab}", f"/dashboard/agents/{busiest}?tab={tab}", "<table")
          for tab in ("invoices", "payments", "ledger", "commissions", "audit")],
        ("invoices, deep", f"/dashboard/invoices?cursor={Cursor('next', (invoice,), 50001).encode()}", "<table"),
        *[(f"invoices, {s}", f"/dashboard/invoices?status={s}", "<table") for s in ("paid", "issued", "draft")],
        ("commissions", "/dashboard/commissions", "<table"),
        ("payouts queue", "/dashboard/payouts", "Payouts"),
        ("audit trail, deep", f"/dashboard/audit?cursor={Cursor('next', (seq,), 1000001).encode()}", "<table"),
        ("audit, entity type", "/dashboard/audit?entity_type=Wallet", "<table"),
        ("audit, action", "/dashboard/audit?action=insert", "<table"),
        ("audit, actor", "/dashboard/audit?actor=system:seed", "<table"),
    ]  # fmt: skip
    portal = [
        ("portal home", f"/portal/{slug}/", "Wallet"),
        ("portal wallet, deep", f"/portal/{slug}/wallet?cursor={Cursor('next', (entry,), 61).encode()}", "<table"),
        ("portal invoices", f"/portal/{slug}/invoices", "<table"),
        ("portal payments", f"/portal/{slug}/payments", "<table"),
        ("portal notifications badge", f"/portal/{slug}/notifications/badge", ""),
    ]
    return [(name, "staff", path, marker) for name, path, marker in staff] + [
        (name, "agent", path, marker) for name, path, marker in portal
    ]


def worker_rss_mb(server: subprocess.Popen) -> float:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for child in children:
        status = Path(f"/proc/{child}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return max(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--ledger-per-agent", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=10, help="load time per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--fresh", action="store_true", help="drop and reseed the benchmark database")
    arguments = parser.parse_args()

    default = "postgresql://postgres@127.0.0.1:5432/portal_bench_web"
    database_url = os.environ.get("BENCH_WEB_DATABASE_URL", default)
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    server_url = parts._replace(path="/postgres").geturl()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "AUDIT_CHAIN_KEY": SECRET_KEY,
           "PORTAL_ENV": "production", "LOG_LEVEL": "WARNING"}  # fmt: skip
    prepare(database_url, server_url, name, arguments.agents, arguments.ledger_per_agent, arguments.fresh, env)
    portal = serve("wsgi:app", 8710, env)
    ceiling = serve("bench.ceiling:app", 8711, env)
    try:
        cookies = {"staff": log_in(8710, *ADMIN), "agent": log_in(8710, *AGENT_LOGIN)}
        rate, p50, p99, _errors = load(8711, "/", "", arguments.seconds, arguments.connections)
        print(f"{'ceiling (bare Flask, 20 rows)':<34} {rate:>8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
        # The portal's own floor, not a page: every hook of a request (correlation id, security headers, input
        # guard, limiter) and one trivial query, no log-in, no template. Shown for scale, not in min_ratio.
        floor, floor_p50, floor_p99, _errors = load(8710, "/healthz", "", arguments.seconds, arguments.connections)
        print(
            f"{'floor: /healthz (not a page)':<34} {floor:>8.0f} req/s  p50 {floor_p50:6.1f} ms  "
            f"p99 {floor_p99:6.1f} ms  ratio {floor / rate:.2f}"
        )
        lowest = float("inf")
        requests = 0
        for page, who, path, marker in pages(database_url):
            status, _, body = get(8710, path, cookies[who])
            if status != 200 or marker not in body or len(body) < 40:
                raise SystemExit(f"{page}: {path} answered {status} ({len(body)} bytes), not the page")
            page_rate, page_p50, page_p99, page_errors = load(
                8710, path, cookies[who], arguments.seconds, arguments.connections
            )
            requests += int(page_rate * arguments.seconds)
            if page_errors:
                raise SystemExit(f"{page}: {page_errors} responses were not 2xx/3xx")
            ratio = page_rate / rate
            lowest = min(lowest, ratio)
            print(f"{page:<34} {page_rate:>8.0f} req/s  p50 {page_p50:6.1f} ms  p99 {page_p99:6.1f} ms  ratio {ratio:.2f}",
                  flush=True)  # fmt: skip
        print(f"largest worker RSS after {requests:,} requests: {worker_rss_mb(portal):.0f} MB")
        print(f"min_ratio={lowest:.2f}")
    finally:
        for process in (portal, ceiling):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
