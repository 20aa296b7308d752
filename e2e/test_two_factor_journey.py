"""An admin in Chromium: turns on two-factor sign-in by reading the key off the page, logs out, logs in with the
password and a code, and reveals a secret after confirming it is them with a code."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page, expect

from e2e.page_crawl import _axe_violations, _overflow
from e2e.test_reauthentication import age_sessions
from portal.commands.base import new_idempotency_key
from portal.extensions import db
from portal.models.base import utcnow
from portal.persistence.context import Actor, CommandContext
from portal.security.totp import STEP_SECONDS, code_at
from portal.services.accounts import CreateStaffUser
from portal.services.running import command_runner

EMAIL, PASSWORD = "two-factor-e2e@ops.example", "a long e2e admin password"


def _admin_of_its_own(app: Flask) -> None:
    """A new admin, so the journeys that log in as the demo admin keep their password-only log-in."""
    with app.app_context():
        command_runner(app, db.session, CommandContext(Actor.system("e2e"))).run(
            CreateStaffUser(idempotency_key=new_idempotency_key(), email=EMAIL, full_name="Tess Factor",
                            password=PASSWORD, role="admin")
        )  # fmt: skip
        db.session.remove()


def _phone(secret: str, steps: int) -> str:
    """What the app shows ``steps`` time steps from now (the portal accepts one either side)."""
    return code_at(secret, utcnow() + timedelta(seconds=steps * STEP_SECONDS))


def _well_inside_a_step() -> None:
    """Wait out the last seconds of a time step, so no code is read in one step and checked in the next."""
    left = STEP_SECONDS - time.time() % STEP_SECONDS
    if left < 6:
        time.sleep(left + 0.5)


def test_enrol_log_out_log_in_with_a_code_and_reveal_after_confirming_with_a_code(page: Page, live_app: Flask):
    _admin_of_its_own(live_app)
    page.goto("/login")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto("/dashboard/profile")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.locator(".qr-code")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert not _overflow(page), f"the enrolment page is wider than {width} px"
    assert not _axe_violations(page)

    # Three codes in a row, each from a later step than the one before: the last step, this one, the next.
    _well_inside_a_step()
    page.get_by_label("Code from your app").fill(_phone(secret, -1))
    page.get_by_role("button", name="Confirm and turn on").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on.")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text("10 of 10 recovery codes left")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(_phone(secret, 0))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    page.goto("/dashboard/settings/smtp_password")
    page.get_by_label("New secret value").fill("e2e-Two-Factor-Secret-5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("was saved")).to_be_visible()
    age_sessions(live_app, EMAIL, 11)
    row = page.get_by_role("row").filter(has=page.locator("#value-smtp_password"))
    row.get_by_role("button", name="Reveal").click()
    # In place once htmx has started, or on a page of its own when the click came first: the same ask either way.
    expect(page.get_by_role("heading", name="Confirm it's you to reveal a secret")).to_be_visible()
    page.get_by_label("Password or authenticator code").fill(_phone(secret, 1))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("code.revealed")).to_have_text("e2e-Two-Factor-Secret-5")
