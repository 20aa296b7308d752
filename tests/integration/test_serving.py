"""Hardening item 25: slow clients cannot leave an instance unable to answer its health check."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from flask_migrate import upgrade

from portal.extensions import db
from tests.conftest import TEST_SECRET_KEY, make_app
from tests.support.serving import Gunicorn

#: One worker runs this module: its fixture starts servers once, not once per worker.
pytestmark = pytest.mark.xdist_group("serving")

SLOW_CLIENTS = 4
HEALTH_CHECKS = 5


@pytest.fixture(scope="module")
def instance_env(tmp_path_factory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("serving")
    url = f"sqlite:///{directory / 'portal.sqlite3'}"
    app = make_app(url, directory)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return {
        "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET_KEY, "LOCAL_KEYRING_PATH": str(directory / "keyring.json"),
        "WEB_CONCURRENCY": "2",
    }  # fmt: skip


class SlowClient(threading.Thread):
    """Sends a request's headers one line every ``pause`` seconds and never finishes them, until told to stop."""

    def __init__(self, port: int, stop: threading.Event, pause: float = 0.3) -> None:
        super().__init__(daemon=True)
        self.port, self.stop, self.pause = port, stop, pause
        self.lines_sent = 0

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not self.stop.is_set():
                try:
                    sock.sendall(f"X-Slow-{self.lines_sent}: still typing\r\n".encode())
                except OSError:
                    return
                self.lines_sent += 1
                self.stop.wait(self.pause)


def health_checks_under_slow_clients(server: Gunicorn) -> list[str]:
    """``SLOW_CLIENTS`` slow clients connected, then ``HEALTH_CHECKS`` checks: each answer, or why there was none."""
    stop = threading.Event()
    clients = [SlowClient(server.port, stop) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    time.sleep(1.0)
    outcomes = []
    try:
        for _ in range(HEALTH_CHECKS):
            try:
                response = requests.get(f"{server.url}/healthz", timeout=1.0)
                outcomes.append(str(response.status_code))
            except requests.RequestException as error:
                outcomes.append(type(error).__name__)
            time.sleep(0.2)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)
    assert all(client.lines_sent >= 3 for client in clients), "the slow clients were connected throughout"
    return outcomes


def test_hardening_25_health_checks_answer_within_a_second_while_four_clients_trickle_their_requests(instance_env):
    with Gunicorn(instance_env) as server:
        outcomes = health_checks_under_slow_clients(server)
        started = server.output()
    assert "Using worker: gthread" in started, "gunicorn read the shipped gunicorn.conf.py on its own"
    assert outcomes == ["200"] * HEALTH_CHECKS


def test_hardening_25_two_sync_workers_are_what_the_shipped_config_avoids(instance_env):
    """The same load on the set-up the issue found: gunicorn's default sync workers, two of them, stop answering."""
    with Gunicorn(instance_env, args=("--worker-class", "sync", "--workers", "2", "--threads", "1")) as server:
        outcomes = health_checks_under_slow_clients(server)
    assert outcomes.count("200") < HEALTH_CHECKS, outcomes
