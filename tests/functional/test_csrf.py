"""Every state-changing route refuses a request without a CSRF token, htmx requests included."""

from __future__ import annotations

import re

import pytest

from tests.functional.dashboard_support import load_demo, log_in_as


def post_routes(app, ids) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            urls.append(
                re.sub(
                    r"<(?:\w+:)?(\w+)>",
                    lambda m: str(ids.get(m.group(1), 1 if m.group(1) == "version" else "northwind")),
                    rule.rule,
                )
            )
    return sorted(urls)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}], ids=["form", "htmx"])
def test_posts_without_a_token_are_refused_and_change_nothing(app, client, db_session, headers):
    from sqlalchemy import func, select

    from portal.models import AuditEvent

    ids = load_demo(app, db_session)
    log_in_as(client, "admin")
    events = db_session.scalar(select(func.count(AuditEvent.id)))
    urls = post_routes(app, ids)
    assert len(urls) >= 20, "the sweep reaches every form"
    for url in urls:
        response = client.post(url, data={"reason": "x", "amount": "1"}, headers=headers)
        # The API takes no CSRF token because no cookie opens it: the logged-in session is not enough (or the
        # sweep's placeholder id matches no route).
        expected = {401, 404} if url.startswith("/api/") else {400}
        assert response.status_code in expected, (url, response.status_code)
    assert db_session.scalar(select(func.count(AuditEvent.id))) == events


def test_a_token_from_the_header_is_accepted_for_htmx(app, client, db_session):
    from tests.functional.dashboard_support import page_token

    load_demo(app, db_session)
    log_in_as(client, "admin")
    token = page_token(client)
    response = client.post("/dashboard/audit/verify", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 400, "the form's idempotency key is still required"
    response = client.post(
        "/dashboard/audit/verify",
        data={"idempotency_key": "a" * 32},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/dashboard/audit")
