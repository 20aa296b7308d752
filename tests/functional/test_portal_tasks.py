"""An agent's work in its portal, and the portal's defences: branding, logos, sessions, rate limits."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from markupsafe import escape
from PIL import Image

from portal.flags.evaluation import forget_snapshot
from portal.models import FeatureFlag, LoginSession, Notification, Payout, PortalAppearance, Wallet
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from tests.conftest import make_app
from tests.functional.conftest import csrf_token_from
from tests.functional.dashboard_support import load_demo, log_in_as

PORTAL = "/portal/northwind"
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</style><script>alert(2)</script>",
    "red;} body{background:url(https://evil.example/x)}",
    "expression(alert(3))",
    "‮gnp.exe\u202e",
    "{{ 7*7 }}",
)


@pytest.fixture
def agent(app, client, db_session):
    ids = load_demo(app, db_session)
    log_in_as(client, "agent")
    return ids


def token(client, url=f"{PORTAL}/") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def png(width=64, height=32, fmt="PNG", extra=b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue() + extra


def save(client, **fields):
    data = {"csrf_token": token(client, f"{PORTAL}/appearance"), "idempotency_key": uuid.uuid4().hex,
            "display_name": "Northwind", "welcome_text": "",
            "primary_color": "#112233", "accent_color": "#aa5500", **fields}  # fmt: skip
    return client.post(f"{PORTAL}/appearance", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_names_and_welcome_texts_are_shown_as_text_never_markup(client, db_session, agent, value):
    assert save(client, display_name=value[:80], welcome_text=value).status_code == 303
    home = client.get(f"{PORTAL}/").get_data(as_text=True)
    shown = "".join(ch for ch in value if ch.isprintable())
    assert str(escape(shown)) in home, "shown, as text, without invisible direction overrides"
    if set(value) & set('<>"'):
        assert value not in home, "never as markup"
    assert "<script>alert" not in home and "<img src=x" not in home and "\u202e" not in home
    theme = client.get(f"{PORTAL}/theme.css").get_data(as_text=True)
    assert "evil" not in theme and "script" not in theme and "expression" not in theme


@pytest.mark.parametrize("value", [*HOSTILE, "#12345", "#GGGGGG", "112233", "#1122334"])
def test_colours_other_than_hex_are_refused_and_change_nothing(client, db_session, agent, value):
    versions = db_session.scalar(sa.select(sa.func.count(PortalAppearance.id)))
    response = save(client, primary_color=value)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Colours must look like #1d3557" in body or "At most 7 characters" in body
    assert db_session.scalar(sa.select(sa.func.count(PortalAppearance.id))) == versions
    preview = client.post(
        f"{PORTAL}/appearance/preview", headers={"HX-Request": "true"},
        data={"csrf_token": token(client), "primary_color": value, "accent_color": "#000000"},
    )  # fmt: skip
    assert preview.status_code == 200 and "<script>" not in preview.get_data(as_text=True)
    theme = client.get(f"{PORTAL}/theme.css", query_string={"primary": value}).get_data(as_text=True)
    assert "script" not in theme and "url(" not in theme and "--brand-primary: #" in theme


def test_unreadable_links_and_a_faint_accent_are_refused_in_the_preview(client, agent):
    def preview(primary: str, accent: str) -> str:
        colours = {"display_name": "Northwind", "primary_color": primary, "accent_color": accent}
        response = client.post(f"{PORTAL}/appearance/preview", data={"csrf_token": token(client), **colours},
                               headers={"HX-Request": "true"})  # fmt: skip
        assert response.status_code == 200
        return response.get_data(as_text=True)

    refused = preview("#ffee00", "#112233")
    assert "#ffee00 on the grey page background is 1.1:1; links are body-size text and need at least 4.5:1." in refused
    assert "/theme.css" not in refused, "nothing is drawn in colours that cannot be saved"
    faint = preview("#112233", "#fefefe")
    assert "#fefefe on white is 1.0:1; borders and highlights are graphics and need at least 3:1." in faint
    assert "/theme.css" not in faint
    drawn = preview("#112233", "#c8553d")
    assert f"{PORTAL}/theme.css?primary=%23112233" in drawn, "applied through the preview's stylesheet"


def test_every_save_is_a_version_and_an_old_one_can_come_back(client, db_session, agent):
    save(client, primary_color="#101010")
    save(client, primary_color="#202020")
    history = list(
        db_session.scalars(sa.select(PortalAppearance.version).where(PortalAppearance.agent_id == agent["agent_id"]))
    )
    assert len(history) >= 3
    response = client.post(f"{PORTAL}/appearance/{max(history) - 1}/revert",
                           data={"csrf_token": token(client), "idempotency_key": "f" * 32})  # fmt: skip
    assert response.status_code == 303
    assert "--brand-primary: #101010;" in client.get(f"{PORTAL}/theme.css").get_data(as_text=True)


def test_a_logo_is_sniffed_reencoded_and_served_safely(client, db_session, agent):
    upload = png(extra=b"<script>alert(1)</script>")
    assert save(client, logo=(io.BytesIO(upload), "logo.png")).status_code == 303
    home = client.get(f"{PORTAL}/").get_data(as_text=True)
    logo_url = re.search(r'src="(/portal/northwind/logo/\d+)"', home).group(1)
    served = client.get(logo_url)
    assert served.mimetype == "image/png" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in served.data
    assert Image.open(io.BytesIO(served.data)).size == (64, 32)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG logos are not accepted"),
        (b"GIF89a" + b"\x00" * 64, "not a readable PNG, JPEG or WebP"),
        (b"not an image at all", "not a readable PNG, JPEG or WebP"),
        (png(3000, 10), "larger than 2000"),
        (png(8, 8), "smaller than 16"),
    ],
    ids=["svg", "gif", "text", "too wide", "too small"],
)
def test_unsuitable_logos_are_refused_with_the_reason(client, db_session, agent, payload, message):
    response = save(client, logo=(io.BytesIO(payload), "logo.png"))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_requesting_and_cancelling_a_payout_moves_the_held_balance(client, db_session, agent):
    page = client.get(f"{PORTAL}/payouts").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="(\w+)"', page).group(1)
    data = {"csrf_token": token(client, f"{PORTAL}/payouts"), "idempotency_key": key, "amount": "12.50"}
    wallet_id = db_session.scalar(sa.select(Wallet.id).where(Wallet.agent_id == agent["agent_id"]))
    before = db_session.get(Wallet, wallet_id).held_minor
    assert client.post(f"{PORTAL}/payouts", data=data).status_code == 303
    assert client.post(f"{PORTAL}/payouts", data=data).status_code == 303, "a resubmission is the same request"
    db_session.expire_all()
    assert db_session.get(Wallet, wallet_id).held_minor == before + 1250
    payout_id = db_session.scalar(sa.select(Payout.id).where(Payout.idempotency_key == key))
    client.post(
        f"{PORTAL}/payouts/{payout_id}/cancel", data={"csrf_token": data["csrf_token"], "idempotency_key": "1" * 32}
    )
    db_session.expire_all()
    assert db_session.scalar(sa.select(Payout.status).where(Payout.id == payout_id)) == "cancelled"
    assert db_session.get(Wallet, wallet_id).held_minor == before
    too_much = client.post(f"{PORTAL}/payouts", data={**data, "idempotency_key": "2" * 32, "amount": "99999"})
    assert too_much.status_code == 409 and "You can pay out at most" in too_much.get_data(as_text=True)


def test_notifications_are_counted_and_marked_read(client, db_session, agent):
    badge = client.get(f"{PORTAL}/notifications/badge").get_data(as_text=True)
    unread = int(re.search(r">(\d+)<span", badge).group(1))
    assert unread > 0 and 'hx-trigger="every 10s"' in badge
    note = db_session.scalar(sa.select(sa.func.min(Notification.id)).where(Notification.agent_id == agent["agent_id"],
                                                                         Notification.read_at.is_(None)))  # fmt: skip
    form = {"csrf_token": token(client), "idempotency_key": "3" * 32}
    client.post(f"{PORTAL}/notifications/read", data={**form, "notification": note})
    assert f">{unread - 1}<span" in client.get(f"{PORTAL}/notifications/badge").get_data(as_text=True) or unread == 1
    client.post(f"{PORTAL}/notifications/read", data={**form, "idempotency_key": "4" * 32})
    assert "count-badge--none" in client.get(f"{PORTAL}/notifications/badge").get_data(as_text=True)


def test_log_in_opens_a_new_session_and_log_out_ends_it_for_good(client, db_session, agent):
    stolen = client.get_cookie("session")
    assert client.get(f"{PORTAL}/").status_code == 200
    client.post("/logout", data={"csrf_token": token(client)})
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(LoginSession).where(LoginSession.ended_at.is_(None)))
        == 0
    )
    client.set_cookie(stolen.key, stolen.value, domain=stolen.domain)
    replayed = client.get(f"{PORTAL}/")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]
    log_in_as(client, "agent")
    assert client.get_cookie("session").value != stolen.value


def test_changing_the_password_needs_the_current_one_and_ends_other_log_ins(app, client, db_session, agent):
    other = app.test_client()
    log_in_as(other, "agent")
    url = f"{PORTAL}/profile"
    wrong = client.post(url, data={"csrf_token": token(client, url), "idempotency_key": "5" * 32, "current": "nope",
                                   "new": "a brand new passphrase", "confirm": "a brand new passphrase"})  # fmt: skip
    assert wrong.status_code == 422 and "current password is not correct" in wrong.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token(client, url), "idempotency_key": "6" * 32,
                                  "current": "demo-agent-password",
                                  "new": "a brand new passphrase", "confirm": "a brand new passphrase"})  # fmt: skip
    assert done.status_code == 303
    assert client.get(url).status_code == 200, "this log-in stays"
    assert other.get(url).status_code == 302, "the other log-in ended"
    assert "Recent log-ins" in client.get(url).get_data(as_text=True)


def test_the_portal_can_be_switched_off_per_agent(app, client, db_session, agent):
    with app.app_context(), SessionUnitOfWork(db_session, command="flag", actor=Actor.system("test")) as uow:
        db_session.add(FeatureFlag(name="agent_portal", enabled=True, rollout_percentage=0, allow_list=["bluebird"]))
        uow.commit()
    forget_snapshot(app)  # written behind the flag service's back: this process forgets its copy, as a change does
    response = client.get(f"{PORTAL}/")
    assert response.status_code == 403 and "not available yet" in response.get_data(as_text=True)


def test_log_in_is_rate_limited_per_account_and_per_address(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'limits.sqlite3'}", tmp_path, LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                   LOGIN_LIMIT_PER_IP="5 per minute")  # fmt: skip
    from flask_migrate import upgrade

    from portal.extensions import db

    with app.app_context():
        upgrade()
    client = app.test_client()
    login_token = csrf_token_from(client.get("/login").get_data(as_text=True))

    def attempt(email: str):
        return client.post("/login", data={"email": email, "password": "wrong password", "csrf_token": login_token})

    assert [attempt("victim@example.com").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert attempt("someone.else@example.com").status_code == 401, "another account is not blocked"
    others = [attempt(f"user{n}@example.com") for n in range(3)]
    assert [r.status_code for r in others][-1] == 429, "the address reached its own limit"
    assert "Too many log-in attempts" in others[-1].get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
