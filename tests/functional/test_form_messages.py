"""Every dashboard and portal form answers an empty or malformed submission in the product's words, at the field.

WTForms' own English ("This field is required.", "Invalid email address.", "Not a valid integer value.") never
reaches a page: each refusal says what to enter.
"""

from __future__ import annotations

import re

from tests.functional.dashboard_support import dashboard_routes, load_demo, log_in_as, page_token

LIBRARY_WORDS = re.compile(r"This field is required|Invalid email address|Not a valid|Field must be", re.I)


def field_errors(html: str) -> list[str]:
    return re.findall(r'class="field__error"[^>]*>([^<]+)<', html)


def test_the_staff_user_form_says_what_each_field_needs(app, client, db_session):
    load_demo(app, db_session)
    log_in_as(client, "admin")
    token = page_token(client, "/dashboard/users/new")

    html = client.post("/dashboard/users/new", data={"csrf_token": token, "email": "not-an-address"}).get_data(
        as_text=True
    )

    assert "Enter an e-mail address such as name@example.com." in field_errors(html)
    assert "Enter their name." in field_errors(html)
    assert "Choose an initial password." in field_errors(html)
    assert not LIBRARY_WORDS.search(html)


def test_no_dashboard_form_answers_in_the_librarys_words(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "admin")
    token = page_token(client)
    posted = 0
    for endpoint, method, url in dashboard_routes(app, ids):
        if method != "POST" or endpoint.endswith(("reveal", "switch")):
            continue
        for data in ({}, {"email": "x", "amount": "abc", "rollout_percentage": "lots", "due_date": "soon"}):
            response = client.post(url, data={"csrf_token": token, **data})
            posted += 1

            assert response.status_code < 500, url
            assert not LIBRARY_WORDS.search(response.get_data(as_text=True)), f"{url} {data}"
    assert posted > 20


def test_no_portal_form_answers_in_the_librarys_words(app, client, db_session):
    load_demo(app, db_session)
    log_in_as(client, "agent")
    token = page_token(client, "/portal/northwind/payouts")
    posted = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("agent_portal.") or "POST" not in (rule.methods or ()):
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule).replace("<slug>", "northwind")
        for data in ({}, {"amount": "abc", "primary_color": "red", "new_password": "x", "notification": "x"}):
            response = client.post(url, data={"csrf_token": token, **data})
            posted += 1

            assert response.status_code < 500, url
            assert not LIBRARY_WORDS.search(response.get_data(as_text=True)), f"{url} {data}"
    assert posted >= 6
