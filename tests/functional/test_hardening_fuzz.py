"""Hardening item 7: junk in every query parameter and form field of every route, as every role, never a 5xx.

Each role logs in and crawls what it can reach (links and forms), then every query
parameter of every page and every field of every form gets generated junk (numbers
past every limit, NUL, control and bidi characters, very long text, wrong types,
edge dates), the other fields keeping the values the page gave them. No answer may
be a 5xx, and a refusal (4xx) must change nothing: no audit event, no idempotency
record, no notification. ``FUZZ_EXAMPLES`` sets how many rounds of junk each
target gets (3 by default, as in CI; more for a long run).
"""

from __future__ import annotations

import os
import random
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from portal.models import AuditEvent, IdempotencyRecord, Notification
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.functional.fuzzing import JUNK, crawl, key_like, parameters_of, route_urls, with_parameter

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ROLES = ("anonymous", "agent", "viewer", "finance", "admin")
HOMES = {"anonymous": "/login", "agent": "/portal/northwind/"}
REPORT = Path(__file__).resolve().parents[2] / "test-results" / "fuzz-summary.txt"


def junk_pool(size: int = 120) -> list[str]:
    """Junk drawn by Hypothesis (it explores the strategy far better than a fixed list), once per test."""
    pool: list[str] = []

    @settings(max_examples=size, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(JUNK)
    def collect(value: str) -> None:
        pool.append(value)

    collect()
    return pool


def footprint(session) -> tuple[int, int, int]:
    """What any change leaves behind: the audit chain grows, a key is recorded, someone is told."""
    return (
        session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.seq), 0))),
        session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)),
        session.scalar(sa.select(sa.func.count()).select_from(Notification)),
    )


@pytest.mark.parametrize("role", ROLES)
def test_hardening_07_junk_in_every_parameter_and_field_never_answers_5xx(app, client, db_session, role):
    ids = {**load_demo(app, db_session), "slug": "northwind", "version": 1, "logo_id": 1}
    if role != "anonymous":
        log_in_as(client, role)
    site = crawl(client, HOMES.get(role, "/dashboard/"), also=route_urls(app, ids))
    assert len(site.pages) > 20 and (role == "anonymous" or len(site.forms) > 3), "the crawl reached the role's pages"
    tally: Counter = Counter()
    failures: list[str] = []

    def send(method: str, url: str, data: dict | None = None) -> None:
        before = footprint(db_session)
        response = client.open(url, method=method.upper(), data=data)
        tally["requests"] += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {method.upper()} {url} {data!r}"[:500])
        elif response.status_code >= 400 and footprint(db_session) != before:
            failures.append(f"refused ({response.status_code}) but changed something: {method.upper()} {url}")

    pool = junk_pool()
    rng = random.Random(role)
    for _round in range(EXAMPLES):
        for page in sorted(site.pages):
            # Every parameter a page reads is parsed on its own: junk in all of them at once reaches every parser.
            url = page
            for name in parameters_of(page):
                tally["parameters"] += 1
                url = with_parameter(url, name, rng.choice(pool))
            send("get", url)
        for form in site.forms.values():
            for name in form.fields:
                if key_like(name):
                    continue
                tally["fields"] += 1
                values = {**form.fields, name: rng.choice(pool)}
                if "idempotency_key" in values:
                    values["idempotency_key"] = uuid.uuid4().hex
                if form.method == "post":
                    send("post", form.action, values)
                else:
                    send("get", form.action + "?" + urlencode(values))
    REPORT.parent.mkdir(exist_ok=True)
    with REPORT.open("a") as report:
        report.write(
            f"{role}: {len(site.pages)} pages, {len(site.forms)} forms, "
            f"{tally['parameters'] // EXAMPLES} parameters and {tally['fields'] // EXAMPLES} fields "
            f"x {EXAMPLES} examples = {tally['requests']} requests, {len(failures)} failures\n"
        )
    assert not failures, "\n".join(failures[:20])
