"""An admin whose log-in is over ten minutes old, in Chromium: asked in place before a reveal, refused, then shown;
asked on a page of its own before making a staff user, which fits a phone and passes axe, then carried on."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from e2e.page_crawl import _axe_violations, _overflow
from e2e.test_agent_portal import log_in
from portal.extensions import db
from portal.models import LoginSession, User
from portal.models.base import utcnow

ADMIN = ("admin@demo.example", "demo-admin-password")


def age_sessions(app: Flask, email: str, minutes: int) -> None:
    """The person's open sessions last proved who they are ``minutes`` ago."""
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        db.session.execute(
            sa.update(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
            .values(authenticated_at=utcnow() - timedelta(minutes=minutes))
        )
        db.session.commit()
        db.session.remove()


def test_a_stale_log_in_confirms_it_is_you_in_place_then_the_secret_is_revealed(page: Page, live_app: Flask):
    log_in(page, *ADMIN)
    page.goto("/dashboard/settings/smtp_password")
    page.get_by_label("New secret value").fill("e2e-Mail-Secret-19")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("was saved")).to_be_visible()

    age_sessions(live_app, ADMIN[0], 11)
    row = page.get_by_role("row").filter(has=page.locator("#value-smtp_password"))
    row.get_by_role("button", name="Reveal").click()
    cell = page.locator("#value-smtp_password")
    expect(cell.get_by_role("heading", name="Confirm it's you to reveal a secret")).to_be_visible()
    cell.get_by_label("Password").fill("not the password at all")
    cell.get_by_role("button", name="Confirm").click()
    expect(cell.get_by_text("That password is not correct.")).to_be_visible()
    cell.get_by_label("Password").fill(ADMIN[1])
    cell.get_by_role("button", name="Confirm").click()
    expect(cell.locator("code.revealed")).to_have_text("e2e-Mail-Secret-19")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def test_a_stale_log_in_is_asked_on_a_page_that_fits_and_passes_axe_then_the_user_is_made(page: Page, live_app: Flask):
    log_in(page, *ADMIN)
    age_sessions(live_app, ADMIN[0], 11)
    page.goto("/dashboard/users/new")
    page.get_by_label("E-mail").fill("reauth-e2e@ops.example")
    page.get_by_label("Name").fill("Asked Again")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_label("Initial password").fill("a long first password")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("heading", name="Confirm it's you to create a staff user")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_focused()
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert _overflow(page) is None
        assert _axe_violations(page) == []
    page.get_by_label("Password").fill(ADMIN[1])
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("reauth-e2e@ops.example can now log in as viewer.")).to_be_visible()
