"""Functional tests: the Flask test client against the app on SQLite."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import PASSWORD


@pytest.fixture
def app(sqlite_app):
    return sqlite_app


@pytest.fixture
def client(app, db_session):
    return app.test_client()


_CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


class AuthActions:
    """Log in and out through the real forms, CSRF token included."""

    def __init__(self, client) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow_redirects: bool = False):
        token = csrf_token_from(self.client.get("/login").get_data(as_text=True))
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow_redirects,
        )

    def logout(self, page: str = "/"):
        token = csrf_token_from(self.client.get(page, follow_redirects=True).get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
