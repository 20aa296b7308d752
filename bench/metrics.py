"""What the metrics cost: a scrape of ``/metrics`` under gunicorn, and the time each request spends being counted.

1. Two gunicorn workers (multiprocess mode) on a SQLite copy of the demo data serve
   a warm-up of pages, then ``/metrics`` and ``/healthz`` are each asked for 200
   times, one after the other: the scrape's median and p99 next to the health
   check's (the floor of any request through the portal's hooks).
2. In process, 3,000 ``/healthz`` requests with the request metrics and 3,000 with
   their hooks taken out: the difference per request is what being counted costs.

    .venv/bin/python bench/metrics.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.seed.demo import load_demo_data  # noqa: E402
from tests.support.serving import Gunicorn  # noqa: E402

TOKEN = "bench-metrics-token-0123456789abcdef"
SECRET = "bench-metrics-secret-key-long-enough-0123456789"


def timings(session: requests.Session, url: str, count: int) -> list[float]:
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        answer = session.get(url, timeout=10)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (url, answer.status_code)
    return spent


def p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99) - 1]


def scrape_cost(url: str, directory: Path) -> None:
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "METRICS_TOKEN": TOKEN, "WEB_CONCURRENCY": "2",
           "LOCAL_KEYRING_PATH": str(directory / "keyring.json"), "LOG_LEVEL": "WARNING"}  # fmt: skip
    instance = Gunicorn(env).start()
    try:
        session = requests.Session()
        for page in ("/login", "/healthz", "/no-such-page") * 100:
            session.get(instance.url + page, timeout=10)
        scraper = requests.Session()
        scraper.headers["Authorization"] = f"Bearer {TOKEN}"
        body = scraper.get(f"{instance.url}/metrics", timeout=10).text
        series = sum(1 for line in body.splitlines() if line and not line.startswith("#"))
        scrapes = timings(scraper, f"{instance.url}/metrics", 200)
        health = timings(session, f"{instance.url}/healthz", 200)
    finally:
        instance.stop()
    print(f"scrape of /metrics (2 workers, {series} series, {len(body) / 1024:.0f} KiB): "
          f"median {statistics.median(scrapes):.1f} ms, p99 {p99(scrapes):.1f} ms")  # fmt: skip
    print(f"/healthz in the same run (the floor):          median {statistics.median(health):.1f} ms, "
          f"p99 {p99(health):.1f} ms")  # fmt: skip


def counting_cost(url: str, directory: Path) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
                      "LOCAL_KEYRING_PATH": str(directory / "keyring.json")})  # fmt: skip
    client = app.test_client()

    def per_request(count: int = 3000) -> float:
        for _ in range(200):
            client.get("/healthz")
        started = time.perf_counter()
        for _ in range(count):
            client.get("/healthz")
        return (time.perf_counter() - started) / count * 1e6

    hooks = app.before_request_funcs[None], app.after_request_funcs[None], app.teardown_request_funcs[None]
    full = [list(funcs) for funcs in hooks]
    counted = [f for funcs in hooks for f in funcs if f.__module__ == "portal.web.request_metrics"]
    measured, bare = [], []
    for _ in range(3):  # alternately, so that neither gains from going second
        for funcs, everything in zip(hooks, full, strict=True):
            funcs[:] = everything
        measured.append(per_request())
        for funcs in hooks:
            funcs[:] = [f for f in funcs if f not in counted]
        bare.append(per_request())
    with_metrics, without = statistics.median(measured), statistics.median(bare)
    print(f"/healthz in process: {with_metrics:.0f} µs counted, {without:.0f} µs with the {len(counted)} metric hooks "
          f"taken out: {with_metrics - without:.0f} µs per request for the request metrics (median of 3 each)")  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as name:
        directory = Path(name)
        url = f"sqlite:///{directory / 'portal.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
                          "LOCAL_KEYRING_PATH": str(directory / "keyring.json")})  # fmt: skip
        with app.app_context():
            upgrade()
            load_demo_data(db.session)
            db.session.remove()
        scrape_cost(url, directory)
        counting_cost(url, directory)


if __name__ == "__main__":
    main()
