"""Staff and agents log in with argon2id-hashed passwords; mistakes get clear messages."""

from __future__ import annotations

import sqlalchemy as sa

from portal.models import Agent, User
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from tests.functional.conftest import csrf_token_from


def _email(db_session, user_id: int) -> str:
    return db_session.get(User, user_id).email


def test_passwords_are_stored_as_argon2id(db_session, make):
    user_id = make.user()
    assert db_session.get(User, user_id).password_hash.startswith("$argon2id$")


def test_staff_land_on_the_dashboard(client, auth, make, db_session):
    response = auth.login(_email(db_session, make.user(role="finance")))
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard/")
    assert client.get("/dashboard/").status_code == 200


def test_agents_land_on_their_own_portal(client, auth, make, db_session):
    agent_id = make.agent(slug="acme")
    response = auth.login(_email(db_session, make.user(role="agent", agent_id=agent_id)))
    assert response.headers["Location"].endswith("/portal/acme/")


def test_a_wrong_password_gets_one_generic_message(auth, make, db_session):
    response = auth.login(_email(db_session, make.user()), password="wrong password")
    assert response.status_code == 401
    assert "e-mail address or password is not correct" in response.get_data(as_text=True)


def test_an_unknown_email_gets_the_same_message(auth):
    response = auth.login("nobody@example.com")
    assert response.status_code == 401
    assert "e-mail address or password is not correct" in response.get_data(as_text=True)


def test_missing_fields_are_reported_next_to_them(client):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "not-an-email", "password": "", "csrf_token": token})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a valid e-mail address." in body and "Enter your password." in body
    assert 'aria-invalid="true"' in body


def test_login_without_a_csrf_token_is_refused(client, make, db_session):
    response = client.post("/login", data={"email": _email(db_session, make.user()), "password": "x"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


def test_a_suspended_agent_cannot_log_in_and_loses_an_open_session(app, client, auth, make, db_session):
    agent_id = make.agent(slug="gone")
    email = _email(db_session, make.user(role="agent", agent_id=agent_id))
    assert auth.login(email).status_code == 303
    assert client.get("/portal/gone/").status_code == 200

    with app.app_context(), SessionUnitOfWork(db_session, command="suspend", actor=Actor.system("test")) as uow:
        db_session.get(Agent, agent_id).status = "suspended"
        uow.commit()
    assert client.get("/portal/gone/").status_code == 302, "the open session ends at once"
    response = auth.login(email)
    assert response.status_code == 401 and "suspended" in response.get_data(as_text=True)


def test_next_only_redirects_within_the_site(auth, make, db_session):
    email = _email(db_session, make.user())
    token_page = auth.client.get("/login").get_data(as_text=True)
    response = auth.client.post(
        "/login?next=https://evil.example/steal",
        data={
            "email": email,
            "password": "correct horse battery staple",
            "csrf_token": csrf_token_from(token_page),
        },
    )
    assert response.headers["Location"].endswith("/dashboard/")


def test_anonymous_visitors_are_sent_to_log_in_and_come_back(client, auth, make, db_session):
    response = client.get("/dashboard/agents?page=2")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    email = _email(db_session, make.user())
    token = csrf_token_from(client.get(response.headers["Location"]).get_data(as_text=True))
    back = client.post(
        response.headers["Location"],
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert back.headers["Location"].endswith("/dashboard/agents?page=2")


def test_logout_ends_the_session(client, auth, make, db_session):
    auth.login(_email(db_session, make.user()))
    assert auth.logout(page="/dashboard/").status_code == 303
    assert client.get("/dashboard/").status_code == 302


def test_login_records_the_time(auth, make, db_session):
    user_id = make.user()
    auth.login(_email(db_session, user_id))
    assert db_session.scalar(sa.select(User.last_login_at).where(User.id == user_id)) is not None
