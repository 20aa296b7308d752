"""Branding an agent's portal: a live preview that saves nothing, colours links can be read in, the favicon, and the
log-in page in the agent's own colours and logo."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

from portal.domain.colours import ACCENT_MARKS, LINK_TEXT
from portal.models import Agent, PortalAppearance
from portal.models.base import utcnow
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from tests.conftest import make_app
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import DEMO_LOGINS, load_demo, log_in_as
from tests.functional.page_tree import page_tree

PORTAL = "/portal/northwind"
UNSAVED = {"display_name": "Northwind Draft", "welcome_text": "Hello partners", "primary_color": "#0b6e4f",
           "accent_color": "#8a2be2"}  # fmt: skip
SUGGESTION = re.compile(r"Try (#[0-9a-f]{6})\.")


@pytest.fixture
def demo(app, db_session):
    return load_demo(app, db_session)


@pytest.fixture
def agent(client, demo):
    log_in_as(client, "agent")
    return demo


def versions(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count(PortalAppearance.id)))


def form_data(client, **fields) -> dict[str, str]:
    token = csrf_token_from(client.get(f"{PORTAL}/appearance").get_data(as_text=True))
    return {"csrf_token": token, "idempotency_key": uuid.uuid4().hex, **UNSAVED, **fields}


def save(client, **fields):
    return client.post(f"{PORTAL}/appearance", data=form_data(client, **fields), content_type="multipart/form-data")


def field_message(html: str, field: str) -> str:
    """The text of the message shown next to ``field``."""
    match = re.search(rf'<div class="field__message" id="{field}-message"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no message container next to {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_live_preview_shows_unsaved_edits_and_saves_nothing(client, db_session, agent):
    before = versions(db_session)
    response = client.post(f"{PORTAL}/appearance/preview", data=form_data(client), headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)

    assert response.status_code == 200 and "<html" not in body, "htmx gets the preview alone"
    assert "Northwind Draft" in body and "Hello partners" in body
    stylesheet = re.search(r'href="([^"]*/theme\.css\?[^"]*)"', body).group(1).replace("&amp;", "&")
    css = client.get(stylesheet).get_data(as_text=True)
    assert ".brand-preview {" in css and "--brand-primary: #0b6e4f;" in css and "--brand-accent: #8a2be2;" in css
    assert ":root" not in css, "the unsaved colours never repaint the rest of the page"
    assert versions(db_session) == before
    assert "--brand-primary: #1d3557;" in client.get(f"{PORTAL}/theme.css").get_data(as_text=True)


def test_preview_without_javascript_shows_the_unsaved_values_with_the_form_still_filled_in(client, db_session, agent):
    before = versions(db_session)
    data = form_data(client)
    body = client.post(f"{PORTAL}/appearance/preview", data=data).get_data(as_text=True)

    assert 'value="#0b6e4f"' in body and "theme.css?primary=%230b6e4f" in body
    assert f'action="{PORTAL}/appearance"' in body, "Save appearance from here saves what was previewed"
    assert f'value="{data["idempotency_key"]}"' in body
    assert versions(db_session) == before


def test_a_bad_colour_in_the_preview_is_a_message_next_to_its_field_not_an_error(client, db_session, agent):
    before = versions(db_session)
    response = client.post(
        f"{PORTAL}/appearance/preview", data=form_data(client, primary_color="#ffff66", accent_color="red"),
        headers={"HX-Request": "true"},
    )  # fmt: skip
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "The preview cannot show this yet" in body and "/theme.css" not in body
    assert 'hx-swap-oob="innerHTML:#primary_color-message"' in body
    assert "#ffff66 on the grey page background is 1.0:1" in body
    assert "Colours must look like #1d3557" in body
    assert versions(db_session) == before


def test_links_that_cannot_be_read_are_refused_next_to_the_field_with_a_colour_that_passes(client, db_session, agent):
    before = versions(db_session)
    theme = client.get(f"{PORTAL}/theme.css").get_data(as_text=True)
    response = save(client, primary_color="#ffff66", accent_color="#c8553d")
    body = response.get_data(as_text=True)

    assert response.status_code == 422
    message = field_message(body, "primary_color")
    assert message.startswith("#ffff66 on the grey page background is 1.0:1; links are body-size text and need at "
                              "least 4.5:1. Try #")  # fmt: skip
    assert 'class="alert alert--error"' not in body, "no banner: the refusal is at its field"
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="primary_color"[^>]*>', body).group(0)
    assert versions(db_session) == before, "no version was added"
    assert client.get(f"{PORTAL}/theme.css").get_data(as_text=True) == theme

    suggestion = SUGGESTION.search(message).group(1)
    assert LINK_TEXT.met_by(suggestion)
    assert save(client, primary_color=suggestion, accent_color="#c8553d").status_code == 303
    assert versions(db_session) == before + 1
    assert f"--brand-primary: {suggestion};" in client.get(f"{PORTAL}/theme.css").get_data(as_text=True)


def test_a_faint_accent_is_refused_next_to_its_field_with_one_that_can_be_seen(client, db_session, agent):
    before = versions(db_session)
    response = save(client, accent_color="#fff5cc")
    body = response.get_data(as_text=True)

    assert response.status_code == 422
    message = field_message(body, "accent_color")
    assert message.startswith("#fff5cc on white is 1.0:1; borders and highlights are graphics and need at least 3:1.")
    assert field_message(body, "primary_color") == ""
    assert versions(db_session) == before
    suggestion = SUGGESTION.search(message).group(1)
    assert ACCENT_MARKS.met_by(suggestion)
    assert save(client, accent_color=suggestion).status_code == 303
    assert versions(db_session) == before + 1


def test_the_colour_fields_come_with_labelled_pickers_and_the_form_previews_as_it_is_typed(client, agent):
    page = client.get(f"{PORTAL}/appearance").get_data(as_text=True)
    assert re.search(r'<input type="color"[^>]*data-colour-for="primary_color"[^>]*aria-label="Primary colour picker"',
                     page)  # fmt: skip
    assert re.search(r'<input type="color"[^>]*data-colour-for="accent_color"[^>]*aria-label="Accent colour picker"',
                     page)  # fmt: skip
    assert "/static/js/colour-pairs.js" in page
    form = re.search(r"<form method=\"post\" action=\"[^\"]*/appearance\"[^>]*>", page, re.S).group(0)
    assert f'hx-post="{PORTAL}/appearance/preview"' in form and 'hx-trigger="input changed delay:300ms"' in form
    assert 'hx-params="not logo"' in form
    assert '<div class="split appearance-layout">' in page, "form and preview side by side where there is room"
    assert "theme.css?primary=%231d3557" in page, "the saved branding is previewed before anything is typed"


def test_the_saved_versions_stack_into_labelled_rows_on_a_phone(client, agent):
    """Below 640 px a ``table--stack`` row is a card of "label: value" lines, each label its cell's ``data-label``."""
    assert save(client).status_code == 303
    table = page_tree(client.get(f"{PORTAL}/appearance").get_data(as_text=True)).one("table", "appearance-versions")
    assert "table--stack" in table.classes
    rows = table.one("tbody").all("tr")
    assert len(rows) >= 2, "the saved version and the one before it"
    for row in rows:
        assert row.one("th", scope="row").attrs["data-label"] == "Version"
        cells = row.all("td")
        assert [cell.attrs.get("data-label") for cell in cells] == ["Saved", "Name", "Colours", None]
        assert "actions-cell" in cells[-1].classes, "the button sits at the row's foot"
    current, older = rows[0], rows[1]
    assert current.one("th").text.endswith("(current)") and "Northwind Draft" in current.text
    assert "Go back to this" in older.all("td")[-1].text and "Go back to this" not in current.text


def test_an_old_version_in_colours_links_cannot_be_read_in_does_not_come_back(app, client, db_session, agent):
    with app.app_context(), SessionUnitOfWork(db_session, command="legacy", actor=Actor.system("test")) as uow:
        latest = db_session.scalar(
            sa.select(sa.func.max(PortalAppearance.version)).where(PortalAppearance.agent_id == agent["agent_id"])
        )
        db_session.add(PortalAppearance(
            agent_id=agent["agent_id"], version=latest + 1, display_name="Old", welcome_text="",
            primary_color="#ffff66", accent_color="#112233", created_by="system:test", created_at=utcnow(),
        ))  # fmt: skip
        uow.commit()
    save(client, primary_color="#112233")
    before = versions(db_session)
    token = csrf_token_from(client.get(f"{PORTAL}/appearance").get_data(as_text=True))
    response = client.post(f"{PORTAL}/appearance/{latest + 1}/revert",
                           data={"csrf_token": token, "idempotency_key": uuid.uuid4().hex})  # fmt: skip
    assert response.status_code == 422
    assert f"Version {latest + 1} cannot come back as it is: #ffff66 on" in response.get_data(as_text=True)
    assert versions(db_session) == before


def test_every_page_links_the_favicon_and_favicon_ico_answers(app, client, agent):
    pages = [client.get(url) for url in (f"{PORTAL}/", f"{PORTAL}/appearance", f"{PORTAL}/nothing-here")]
    pages.append(app.test_client().get("/login"))
    for page in pages:
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.get_data(as_text=True)
    with client.get("/static/favicon.svg") as icon, client.get("/favicon.ico") as legacy:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
        assert legacy.status_code == 200 and legacy.mimetype == "image/svg+xml" and legacy.data == icon.data


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 32), (11, 110, 79)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_anonymous_visitor_of_a_portal_logs_in_on_a_page_in_its_branding(app, demo):
    agent_client = app.test_client()
    log_in_as(agent_client, "agent")
    upload = (io.BytesIO(png()), "logo.png")
    assert save(agent_client, display_name="Northwind Partner Hub", logo=upload).status_code == 303

    client = app.test_client()
    response = client.get(f"{PORTAL}/invoices?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{PORTAL}/login?next=/portal/northwind/invoices?page%3D2"
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert '<span class="login-brand__name">Northwind Partner Hub</span>' in page
    assert "<title>Log in · Northwind Partner Hub</title>" in page
    logo = re.search(r'<img class="login-brand__logo" src="([^"]+)"', page).group(1)
    assert re.search(rf'<link rel="icon" href="{re.escape(logo)}">', page), "the agent's logo is the page's icon"
    served = client.get(logo)
    assert served.status_code == 200 and served.mimetype == "image/png"
    theme = re.search(r'href="(/portal/northwind/login/theme\.css[^"]*)"', page).group(1)
    assert "--brand-primary: #0b6e4f;" in client.get(theme).get_data(as_text=True)

    email, password = DEMO_LOGINS["agent"]
    back = client.post(f"{PORTAL}/login?next=/portal/northwind/invoices?page%3D2",
                       data={"email": email, "password": password, "csrf_token": csrf_token_from(page)})  # fmt: skip
    assert back.status_code == 303 and back.headers["Location"] == "/portal/northwind/invoices?page=2"
    logout_token = csrf_token_from(client.get(f"{PORTAL}/").get_data(as_text=True))
    out = client.post("/logout", data={"csrf_token": logout_token})
    assert out.headers["Location"] == f"{PORTAL}/login", "an agent logs out to its own portal's log-in"


def _without_tokens(html: str) -> str:
    return re.sub(r'(value|"X-CSRFToken": )"[^"]*"', "", html).replace("/portal/nobody/login", "/login")


def test_an_unknown_or_suspended_slug_gets_the_plain_log_in_page_and_no_branding(app, client, db_session, demo):
    plain = client.get("/login").get_data(as_text=True)
    assert _without_tokens(client.get("/portal/nobody/login").get_data(as_text=True)) == _without_tokens(plain)
    assert "login-brand" not in plain
    unknown = client.get("/portal/nobody/")
    known = client.get("/portal/bluebird/")
    assert unknown.headers["Location"] == "/portal/nobody/login?next=/portal/nobody/"
    assert known.headers["Location"] == "/portal/bluebird/login?next=/portal/bluebird/", "both sent the same way"

    with app.app_context(), SessionUnitOfWork(db_session, command="suspend", actor=Actor.system("test")) as uow:
        db_session.scalar(sa.select(Agent).where(Agent.slug == "bluebird")).status = "suspended"
        uow.commit()
    suspended = client.get("/portal/bluebird/login").get_data(as_text=True)
    assert "login-brand" not in suspended and "Bluebird" not in suspended
    assert client.get("/portal/bluebird/login/theme.css").status_code == 404
    assert client.get("/portal/nobody/login/theme.css").status_code == 404
    assert client.get("/portal/northwind/login/theme.css").status_code == 200


def test_the_branded_log_in_shares_the_limits_of_the_plain_one(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'limits.sqlite3'}", tmp_path, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    from flask_migrate import upgrade

    from portal.extensions import db

    with app.app_context():
        upgrade()
    client = app.test_client()
    token = csrf_token_from(client.get("/portal/somebody/login").get_data(as_text=True))

    def attempt(url: str):
        return client.post(url, data={"email": "victim@example.com", "password": "wrong", "csrf_token": token})

    statuses = [attempt(url).status_code for url in ("/portal/a/login", "/login", "/portal/b/login", "/login")]
    assert statuses == [401, 401, 401, 429]
    assert attempt("/portal/a/login").get_data(as_text=True).count("Too many log-in attempts") == 1
    assert client.post("/portal/a/login", data={"email": "x@example.com", "password": "x"}).status_code == 400, (
        "no CSRF token, no log-in"
    )
    with app.app_context():
        db.engine.dispose()
