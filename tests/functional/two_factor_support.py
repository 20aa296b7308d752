"""Acting as a person with an authenticator app: enrol through the real pages, read codes as the phone would."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from portal.models.base import utcnow
from portal.security import totp
from portal.security.totp import STEP_SECONDS, code_at
from tests.functional.conftest import csrf_token_from

_SECRET = re.compile(r'id="two-factor-secret">([A-Z2-7 ]+)<')
_RECOVERY = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def form_of(client, url: str, **fields) -> dict:
    """The fields to post to a form on ``url``: its CSRF token and a fresh idempotency key."""
    html = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_token_from(html), "idempotency_key": uuid.uuid4().hex, **fields}


def secret_on(html: str) -> str:
    found = _SECRET.search(html)
    assert found, "the page shows no two-factor key"
    return found.group(1).replace(" ", "")


def recovery_codes_on(html: str) -> list[str]:
    return _RECOVERY.findall(html)


class Phone:
    """An authenticator app whose clock the test moves on: each code it gives is from a later time step.

    The portal checks codes at its own time moved on by as much (see the ``phone`` fixture), so a test can
    use code after code without waiting 30 seconds, and a replay is still a replay.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self):
        return utcnow() + self.offset

    def code(self, secret: str) -> str:
        """The next code: the clock moves one step first, so no two codes share a step."""
        self.offset += timedelta(seconds=STEP_SECONDS)
        return code_at(secret, self.now())

    def wrong_code(self, secret: str) -> str:
        """Six digits that no step near the phone's time shows."""
        near = {code_at(secret, self.now() + timedelta(seconds=STEP_SECONDS * n)) for n in range(-3, 4)}
        return next(candidate for candidate in ("000000", "111111", "222222") if candidate not in near)

    def same_code(self, secret: str) -> str:
        """The code of the step the last one came from (a replay)."""
        return code_at(secret, self.now())


@pytest.fixture
def phone(monkeypatch) -> Phone:
    clock = Phone()
    checks = totp.matching_step
    monkeypatch.setattr(totp, "matching_step", lambda secret, code, now: checks(secret, code, now + clock.offset))
    return clock


def enrol(client, phone: Phone, base: str = "/dashboard") -> tuple[str, list[str]]:
    """Set up two-factor sign-in through the profile's pages; the secret and the recovery codes shown."""
    page = f"{base}/profile/two-factor"
    begun = client.post(f"{page}/begin", data=form_of(client, page))
    assert begun.status_code == 303, begun.get_data(as_text=True)
    secret = secret_on(client.get(page).get_data(as_text=True))
    confirmed = client.post(f"{page}/confirm", data=form_of(client, page, code=phone.code(secret)))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    return secret, recovery_codes_on(confirmed.get_data(as_text=True))


def log_in_with_password(client, email: str, password: str, login: str = "/login"):
    token = csrf_token_from(client.get(login).get_data(as_text=True))
    return client.post(login, data={"email": email, "password": password, "csrf_token": token})


def send_code(client, text: str, url: str = "/login/code"):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"code": text, "csrf_token": token})
