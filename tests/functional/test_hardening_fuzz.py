"""Hardening item 7: junk in every query parameter and form field of every route, as every role, never a 5xx.

Each role logs in and crawls what it can reach (links and forms), then every query
parameter of every page and every field of every form gets generated junk (numbers
past every limit, NUL, control and bidi characters, very long text, wrong types,
edge dates), the other fields keeping the values the page gave them. No answer may
be a 5xx, and a refusal (4xx) must change nothing: no audit event, no idempotency
record, no notification. ``FUZZ_EXAMPLES`` sets how many rounds of junk each
target gets (3 by default, as in CI; more for a long run); each round gives a
parameter or field junk of another class, so 5 rounds try every class on each.
"""

from __future__ import annotations

import os
import random
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from portal.models import AuditEvent, IdempotencyRecord, Notification
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.functional.fuzzing import JUNK_CLASSES, crawl, key_like, parameters_of, route_urls, with_parameters

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ROLES = ("anonymous", "agent", "viewer", "finance", "admin")
HOMES = {"anonymous": "/login", "agent": "/portal/northwind/"}
REPORT = Path(__file__).resolve().parents[2] / "test-results" / "fuzz-summary.txt"


def junk_pool(strategy, size: int = 24) -> list[str]:
    """Junk drawn by Hypothesis (it explores a strategy far better than a fixed list)."""
    pool: list[str] = []

    @settings(max_examples=size, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: str) -> None:
        pool.append(value)

    collect()
    return pool


#: What any change leaves behind, read in one query: the audit chain grows, a key is recorded, someone is told.
FOOTPRINT = sa.select(
    sa.select(sa.func.coalesce(sa.func.max(AuditEvent.seq), 0)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(IdempotencyRecord).scalar_subquery(),
    sa.select(sa.func.count()).select_from(Notification).scalar_subquery(),
)


def footprint(session) -> tuple[int, int, int]:
    return tuple(session.execute(FOOTPRINT).one())


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

    # Pages that differ only in their query are one target: every parameter a page reads gets junk, so the
    # dozens of links to /dashboard/audit?entity_type=…&entity_id=… all send the same request, only the junk differs.
    targets: dict[tuple[str, tuple[str, ...]], str] = {}
    for page in sorted(site.pages):
        targets.setdefault((urlsplit(page).path, tuple(parameters_of(page))), page)
    pools = [junk_pool(strategy) for strategy in JUNK_CLASSES]  # one per class of junk, drawn per test
    rng = random.Random(role)
    classes: dict[tuple, list[int]] = {}

    def junk(target: tuple, name: str, round_: int) -> str:
        """Each round of a (target, parameter or field) takes junk of another class, in an order of its own."""
        if (target, name) not in classes:
            classes[target, name] = rng.sample(range(len(pools)), len(pools))
        return rng.choice(pools[classes[target, name][round_ % len(pools)]])

    for round_ in range(EXAMPLES):
        for target, page in targets.items():
            # Every parameter a page reads is parsed on its own: junk in all of them at once reaches every parser.
            values = {name: junk(target, name, round_) for name in target[1]}
            tally["parameters"] += len(values)
            send("get", with_parameters(page, values))
        for key, form in site.forms.items():
            for name in form.fields:
                if key_like(name):
                    continue
                tally["fields"] += 1
                values = {**form.fields, name: junk(key, name, round_)}
                if "idempotency_key" in values:
                    values["idempotency_key"] = uuid.uuid4().hex
                if form.method == "post":
                    send("post", form.action, values)
                else:
                    send("get", form.action + "?" + urlencode(values))
    REPORT.parent.mkdir(exist_ok=True)
    with REPORT.open("a") as report:
        report.write(
            f"{role}: {len(site.pages)} pages ({len(targets)} targets), {len(site.forms)} forms, "
            f"{tally['parameters'] // EXAMPLES} parameters and {tally['fields'] // EXAMPLES} fields "
            f"x {EXAMPLES} examples = {tally['requests']} requests, {len(failures)} failures\n"
        )
    assert not failures, "\n".join(failures[:20])
