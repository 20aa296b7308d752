"""What flag evaluation adds to a request: OpenFeature, our provider, the process's copy of the flag table.

    .venv/bin/python bench/flags.py [--requests 20000]

Builds the app on a throw-away SQLite database, then for each simulated request (a fresh
request context, so nothing is kept from the one before) evaluates the flags a portal page
reads: ``agent_portal`` for the agent and the kill switch (twice: the banner and a button,
the second answered from the request's memo). Prints the cost per request and per first
evaluation, against an empty request context in the same run; the table is read at most
once per ``FLAG_SNAPSHOT_TTL`` (2 s), as in production.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    arguments = parser.parse_args()

    from flask_migrate import upgrade

    from portal import create_app
    from portal.flags.catalog import AGENT_PORTAL, FINANCIAL_ORCHESTRATOR
    from portal.flags.evaluation import flag_enabled

    directory = tempfile.mkdtemp()
    app = create_app({"SECRET_KEY": "bench-flags-secret-key-long-enough-0001", "LOG_LEVEL": "WARNING",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/flags.sqlite3"})  # fmt: skip
    with app.app_context():
        upgrade()

    def empty() -> None:
        with app.test_request_context("/portal/northwind/"):
            pass

    def evaluated() -> None:
        with app.test_request_context("/portal/northwind/"):
            flag_enabled(AGENT_PORTAL, "northwind", role="agent")
            flag_enabled(FINANCIAL_ORCHESTRATOR)
            flag_enabled(FINANCIAL_ORCHESTRATOR)

    figures = {}
    for name, run in (("empty request", empty), ("request with 3 evaluations", evaluated)):
        for _ in range(500):
            run()
        started = time.perf_counter()
        for _ in range(arguments.requests):
            run()
        figures[name] = (time.perf_counter() - started) / arguments.requests * 1e6
        print(f"{name:<30} {figures[name]:8.1f} µs per request")
    added = figures["request with 3 evaluations"] - figures["empty request"]
    print(f"flag evaluation adds {added:.1f} µs per request ({added / 2:.1f} µs per first evaluation of a flag)")
    print(f"target_met={added < 100}")


if __name__ == "__main__":
    main()
