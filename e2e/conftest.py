"""End-to-end: the real application served on a free port, driven by Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask, current_app
from flask_migrate import upgrade
from werkzeug.serving import make_server

from portal.extensions import db
from portal.persistence.context import Actor, CommandContext
from portal.seed.demo import load_demo_data
from portal.services.api_tokens import CreateApiToken, new_secret
from portal.services.running import command_runner
from tests.conftest import make_app
from tests.support.required import part_missing

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = chromium_path()
    if executable is None:
        part_missing(
            "Chromium",
            "install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH; "
            "`make test` installs it when it can",
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


def demo_app(directory: Path) -> Flask:
    """An application on its own SQLite file in ``directory``, migrated and loaded with the demo data."""
    app = make_app(f"sqlite:///{directory / 'e2e.sqlite3'}", directory)
    with app.app_context():
        upgrade()
        load_demo_data(db.session)
        _add_an_api_token()
        db.session.remove()
    return app


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served in a background thread on a free port, for as long as the block runs; yields its origin."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Flask:
    """The application the journeys share: they change its data as they go."""
    return demo_app(tmp_path_factory.mktemp("e2e"))


def _add_an_api_token() -> None:
    """The demo has no API token (its secret would be printed); the page crawl needs one to reach its pages."""
    runner = command_runner(current_app, db.session, CommandContext(Actor.system("e2e")))
    runner.run(
        CreateApiToken(
            idempotency_key="e2e-token", token_name="Reporting export", scope="read", owner_role="finance",
            secret=new_secret(),
        )
    )  # fmt: skip


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The portal with demo data, on SQLite, served in a background thread."""
    with serving(live_app) as origin:
        yield origin


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server


@pytest.fixture
def screenshots(pytestconfig) -> Path:
    folder = Path(pytestconfig.getoption("output")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
