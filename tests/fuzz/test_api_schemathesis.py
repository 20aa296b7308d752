"""schemathesis against the live API on PostgreSQL, as an admin's token and as an agent's: all checks, 0 failures.

The server is the production one (gunicorn with ``gunicorn.conf.py``) on a database of its own with the demo data;
every operation gets ``EXAMPLES`` generated requests per phase (50 under CI=true), the stateful phase follows the
links between operations, and schemathesis' own summary is printed. Run alone by ``make test`` (``pytest -s
tests/fuzz``), so its output shows as it goes.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
SECRET = "schemathesis-secret-key-long-enough-for-hmac-01"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip()


@pytest.fixture(scope="module")
def live_api(postgres_databases) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    database_url = postgres_databases.create()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, "AUDIT_CHAIN_KEY": SECRET,
           "LOG_LEVEL": "WARNING", "API_RATE_LIMIT": "1000000 per minute", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_ACCESS_LOG": "off", "GUNICORN_MAX_REQUESTS": "0"}  # fmt: skip
    _flask(env, "db", "upgrade")
    _flask(env, "seed", "--demo")
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        agent_id = connection.execute("SELECT id FROM agent WHERE slug = 'northwind'").fetchone()[0]
    agent = ["--role", "agent", "--agent", str(agent_id), "--scope", "write"]
    tokens = {
        "admin": _flask(env, "tokens", "create", "--name", "fuzz admin", "--role", "admin", "--scope", "admin"),
        "agent": _flask(env, "tokens", "create", "--name", "fuzz agent", *agent),
    }
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], env=env, cwd=ROOT)
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}", tokens, _agent_operations()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise AssertionError(f"the API did not start on port {port}")


def _agent_operations() -> list[str]:
    """The operations an agent's token may call (the rest answer it 403, which the admin's run covers)."""
    from portal import create_app

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        endpoint.removeprefix("api.")
        for endpoint, view in app.view_functions.items()
        if endpoint.startswith("api.") and getattr(view, "api_rule", (None, None, False))[2]
    )


# The agent first: the admin's run suspends agents (the agent's token then answers 401, as it should).
@pytest.mark.parametrize("who", ["agent", "admin"])
def test_schemathesis_finds_no_failure(live_api, who, tmp_path):
    base, tokens, agent_operations = live_api
    command = [
        sys.executable, str(Path(__file__).with_name("schemathesis_cli.py")), "run", f"{base}/api/v1/openapi.json",
        "--checks", "all",
        "-H", f"Authorization: Bearer {tokens[who]}", "--max-examples", str(EXAMPLES), "--workers", "2",
        "--seed", "20261202", "--request-timeout", "20", "--report", "junit", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    if who == "agent":
        # The stateful phase follows links between operations: the admin's run walks them all.
        command += ["--phases", "coverage,fuzzing"]
        assert len(agent_operations) >= 12
        for operation_id in agent_operations:
            command += ["--include-operation-id", operation_id]
    print(f"\nschemathesis as the {who}'s token, {EXAMPLES} examples per operation:", flush=True)
    done = subprocess.run(command, cwd=tmp_path, text=True, capture_output=True)
    summary = done.stdout[done.stdout.find("=== SUMMARY") - 30 :] if "SUMMARY" in done.stdout else done.stdout
    print(summary if done.returncode == 0 else done.stdout[-20000:], flush=True)
    assert done.returncode == 0, f"schemathesis found failures as the {who}'s token (see above)"
    assert "unique failure" not in summary and "passed" in summary
