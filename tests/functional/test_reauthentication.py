"""Sensitive staff actions need the password again when the session last proved who its person is over 10 minutes ago:
the page asks where the action was, then carries the action on in the same request (issue 17, item 3)."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import ApiToken, AuditEvent, LoginSession, User
from portal.models.base import utcnow
from portal.web.fresh_authentication import MARK
from tests.functional.dashboard_support import DEMO_LOGINS, load_demo, log_in_as, page_token

PASSWORD = DEMO_LOGINS["admin"][1]
WRONG = "not-the-admin-password-9"
SECRET_VALUE = "first-Mail-Secret-41"


@dataclass(frozen=True)
class Action:
    """A protected action: where it posts, what, the command whose audit events show it ran, its success status."""

    id: str
    what: str
    url: str
    fields: dict[str, str]
    command: str
    done: int = 303
    #: Whether posting the same form again is a replay (a reveal is not a command: each one shows the secret).
    replays: bool = True
    #: The answer to the same form sent again, when not ``done``.
    replay_status: int | None = None

    @property
    def replayed(self) -> int:
        return self.replay_status or self.done


def _actions() -> list[Action]:
    return [
        Action("reveal", "reveal a secret", "/dashboard/settings/smtp_password/reveal", {}, "reveal_setting",
               done=200, replays=False),
        Action("secret_setting", "change a secret or sign-in setting", "/dashboard/settings/smtp_password",
               {"value": "second-Mail-Secret-42"}, "change_setting"),
        Action("sign_in_setting", "change a secret or sign-in setting", "/dashboard/settings/two_factor_required_roles",
               {"value": "viewer"}, "change_setting"),
        Action("agent_login", "create a log-in for an agent", "/dashboard/agents/{agent_id}/login",
               {"email": "second@northwind.example", "full_name": "Second Login",
                "password": "long enough password"}, "create_agent_login"),
        Action("wallet_adjust", "adjust a wallet", "/dashboard/agents/{agent_id}/adjust",
               {"amount": "12.50", "reason": "Goodwill for the outage"}, "adjust_wallet"),
        Action("user_new", "create a staff user", "/dashboard/users/new",
               {"email": "new@ops.example", "full_name": "New Person", "role": "finance",
                "password": "long enough password"}, "create_user"),
        Action("user_edit", "change a staff user", "/dashboard/users/{user_id}",
               {"role": "finance", "is_active": "y"}, "update_user"),
        Action("token_new", "create an API token", "/dashboard/tokens/new",
               {"name": "Accounting sync", "scope": "read", "owner": "finance", "agent_slug": "", "days": "30"},
               "create_api_token", done=201),
        Action("token_revoke", "revoke an API token", "/dashboard/tokens/{token_id}/revoke", {}, "revoke_api_token"),
        Action("flag_switch", "turn the money kill switch", "/dashboard/flags/financial_orchestrator/switch",
               {"reason": "Auditors are in."}, "pause_money_commands", replay_status=409),
    ]  # fmt: skip


ACTIONS = _actions()
REPLAYING = [action for action in ACTIONS if action.replays]
# The kill switch's form says "pause" or "resume" by the flag's state when it is posted: sent again once money is
# paused, the same key asks to resume, a conflict (409) and never a second effect.


@pytest.fixture
def admin(app, client, db_session):
    """The demo, an admin logged in, a secret set and a token made (while the log-in is fresh)."""
    ids = load_demo(app, db_session)
    log_in_as(client, "admin")
    url = "/dashboard/settings/smtp_password"
    saved = client.post(url, data={**_hidden(client), "value": SECRET_VALUE})
    assert saved.status_code == 303
    made = client.post(
        "/dashboard/tokens/new",
        data={**_hidden(client), "name": "Old", "scope": "read", "owner": "viewer", "agent_slug": "", "days": "30"},
    )
    assert made.status_code == 201
    ids["token_id"] = db_session.scalar(sa.select(sa.func.max(ApiToken.id)))
    return ids


def _hidden(client) -> dict[str, str]:
    return {"csrf_token": page_token(client, "/dashboard/settings"), "idempotency_key": uuid.uuid4().hex}


def _form(client, action: Action) -> dict[str, str]:
    return {**_hidden(client), **action.fields}


def _url(action: Action, ids: dict) -> str:
    return action.url.format(**ids)


def _age(db_session, minutes: float | None) -> None:
    """Every open session last proved who its person is ``minutes`` ago (None: never recorded)."""
    at = None if minutes is None else utcnow() - timedelta(minutes=minutes)
    db_session.execute(sa.update(LoginSession).where(LoginSession.ended_at.is_(None)).values(authenticated_at=at))
    db_session.commit()


def _proved_at(db_session):
    admin_id = db_session.scalar(sa.select(User.id).where(User.email == DEMO_LOGINS["admin"][0]))
    db_session.expire_all()
    return db_session.scalar(
        sa.select(sa.func.max(LoginSession.authenticated_at)).where(
            LoginSession.user_id == admin_id, LoginSession.ended_at.is_(None)
        )
    )


def _events(db_session, **where) -> int:
    db_session.expire_all()
    query = sa.select(sa.func.count(AuditEvent.id))
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return db_session.scalar(query)


def _ran(db_session, action: Action) -> int:
    """How many audit events the action's command has made: they change only when it runs."""
    return _events(db_session, command=action.command)


def _asks(body: str, action: Action) -> bool:
    return f"Confirm it's you to {action.what}" in body and 'autocomplete="current-password"' in body


def test_exactly_the_sensitive_actions_are_guarded(app):
    """A guard is applied per view: this list is where one forgotten, or one added, shows."""
    guarded = {
        endpoint: getattr(view, MARK) for endpoint, view in app.view_functions.items() if hasattr(view, MARK)
    }  # fmt: skip
    assert guarded == {
        "dashboard.setting_reveal": "reveal a secret",
        "dashboard.setting_edit": "change a secret or sign-in setting",
        "dashboard.agent_login": "create a log-in for an agent",
        "dashboard.wallet_adjust": "adjust a wallet",
        "dashboard.user_new": "create a staff user",
        "dashboard.user_edit": "change a staff user",
        "dashboard.token_new": "create an API token",
        "dashboard.token_revoke": "revoke an API token",
        "dashboard.flag_switch": "turn the money kill switch",
    }


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.id)
def test_a_stale_session_is_asked_and_the_action_does_not_happen(client, db_session, admin, action):
    _age(db_session, 11)
    before, proved = _ran(db_session, action), _proved_at(db_session)
    data = _form(client, action)
    asked = client.post(_url(action, admin), data=data)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and _asks(body, action)
    assert _ran(db_session, action) == before, "nothing happened"
    assert _proved_at(db_session) == proved
    for name, value in data.items():
        assert f'<input type="hidden" name="{name}" value="{html.escape(value)}">' in body, name
    assert f'action="{_url(action, admin)}"' in body, "it posts again to the same address"
    assert re.search(r'<a class="button" href="/dashboard/[^"]*">Cancel</a>', body)
    assert asked.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.id)
def test_a_wrong_password_is_refused_at_the_field_audited_and_changes_nothing(client, db_session, admin, action):
    _age(db_session, 11)
    before, proved = _ran(db_session, action), _proved_at(db_session)
    refused = client.post(_url(action, admin), data={**_form(client, action), "proof": WRONG})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and _asks(body, action)
    assert re.search(r'<p class="field__error" id="[^"]+">That password is not correct.</p>', body)
    assert 'aria-invalid="true"' in body
    assert WRONG not in body, "the proof is never sent back"
    assert _ran(db_session, action) == before and _proved_at(db_session) == proved
    assert _events(db_session, action="reauthentication_refused") == 1
    assert _events(db_session, action="reauthenticated") == 0
    trail = " ".join(
        f"{e.before} {e.after} {e.reason}" for e in db_session.scalars(sa.select(AuditEvent)).all()
    )  # fmt: skip
    assert WRONG not in trail and PASSWORD not in trail


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.id)
def test_the_right_password_carries_the_action_on_in_the_same_request(client, db_session, admin, action):
    _age(db_session, 11)
    before = _ran(db_session, action)
    data = _form(client, action)
    assert client.post(_url(action, admin), data=data).status_code == 200
    done = client.post(_url(action, admin), data={**data, "proof": PASSWORD})
    assert done.status_code == action.done, done.get_data(as_text=True)
    assert _ran(db_session, action) > before, "the action ran, without being clicked again"
    assert utcnow() - _proved_at(db_session) < timedelta(minutes=1), "the session proved itself just now"
    assert _events(db_session, action="reauthenticated") == 1
    if action.replays:
        after = _ran(db_session, action)
        again = client.post(_url(action, admin), data=data)
        assert again.status_code == action.replayed and _ran(db_session, action) == after, "the same form replays"


@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.id)
def test_within_ten_minutes_of_proving_it_the_action_runs_without_asking(client, db_session, admin, action):
    _age(db_session, 9)
    before = _ran(db_session, action)
    done = client.post(_url(action, admin), data=_form(client, action))
    assert done.status_code == action.done and not _asks(done.get_data(as_text=True), action)
    assert _ran(db_session, action) > before


@pytest.mark.parametrize("action", REPLAYING, ids=lambda action: action.id)
def test_a_replayed_form_after_re_authenticating_is_still_a_replay(client, db_session, admin, action):
    data = _form(client, action)
    assert client.post(_url(action, admin), data=data).status_code == action.done
    first = _ran(db_session, action)
    _age(db_session, 11)
    assert _asks(client.post(_url(action, admin), data=data).get_data(as_text=True), action)
    replayed = client.post(_url(action, admin), data={**data, "proof": PASSWORD})
    assert replayed.status_code == action.replayed and _ran(db_session, action) == first


def test_a_session_with_no_recorded_proof_is_asked(client, db_session, admin):
    _age(db_session, None)
    action = ACTIONS[0]
    assert _asks(client.post(_url(action, admin), data=_form(client, action)).get_data(as_text=True), action)


def test_a_plain_setting_and_the_form_pages_need_no_re_authentication(client, db_session, admin):
    _age(db_session, 11)
    url = "/dashboard/settings/commission_holding_days"
    assert client.post(url, data={**_hidden(client), "value": "9"}).status_code == 303
    for action in ACTIONS:
        if action.id == "reveal":
            continue
        page = client.get(_url(action, admin))
        assert page.status_code == 200 and "Confirm it's you" not in page.get_data(as_text=True), action.id


def test_htmx_reveal_asks_in_place_then_reveals_there(client, db_session, admin):
    _age(db_session, 11)
    url = "/dashboard/settings/smtp_password/reveal"
    htmx = {"HX-Request": "true", "HX-Target": "value-smtp_password"}
    data = _hidden(client)
    asked = client.post(url, data=data, headers=htmx)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "<html" not in body and "Confirm it's you to reveal a secret" in body
    assert f'hx-post="{url}" hx-target="this" hx-swap="outerHTML"' in body
    assert "HX-Request" in asked.headers["Vary"]
    refused = client.post(url, data={**data, "proof": WRONG}, headers=htmx)
    assert refused.status_code == 422 and "<html" not in refused.get_data(as_text=True)
    assert "That password is not correct." in refused.get_data(as_text=True)
    revealed = client.post(url, data={**data, "proof": PASSWORD}, headers=htmx)
    body = revealed.get_data(as_text=True)
    assert revealed.status_code == 200 and SECRET_VALUE in body and "<html" not in body
    assert revealed.headers["Cache-Control"] == "no-store"


def test_the_page_swaps_the_ask_and_its_refusal_for_htmx(client, admin):
    """htmx leaves a 4xx answer unswapped by default: the page's config swaps 422 and 429, where the ask says why."""
    config = client.get("/dashboard/settings").get_data(as_text=True)
    assert '{"code": "42[29]", "swap": true, "error": true}' in config


def test_re_authenticating_is_per_session(app, client, db_session, admin):
    other = app.test_client()
    log_in_as(other, "admin")
    _age(db_session, 11)
    action = ACTIONS[0]
    data = _form(client, action)
    assert client.post(_url(action, admin), data={**data, "proof": PASSWORD}).status_code == 200
    other_data = {**data, "csrf_token": page_token(other, "/dashboard/settings")}
    assert _asks(other.post(_url(action, admin), data=other_data).get_data(as_text=True), action)


def test_password_attempts_are_limited_per_account(app, client, db_session, admin, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_CHECK_LIMIT_PER_ACCOUNT", "3 per minute")
    _age(db_session, 11)
    action = ACTIONS[0]
    statuses = [
        client.post(_url(action, admin), data={**_form(client, action), "proof": f"guess {n}"}) for n in range(4)
    ]
    assert [response.status_code for response in statuses[:3]] == [422, 422, 422]
    limited = statuses[3]
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
    body = limited.get_data(as_text=True)
    assert re.search(r"Too many password attempts. Wait \d+ seconds, then try again.", body) and _asks(body, action)
    assert client.post(_url(action, admin), data=_form(client, action)).status_code == 200, "asking is not limited"


def test_the_audit_trail_reads_re_authentications_as_people_do(client, db_session, admin):
    _age(db_session, 11)
    action = ACTIONS[0]
    client.post(_url(action, admin), data={**_form(client, action), "proof": WRONG})
    client.post(_url(action, admin), data={**_form(client, action), "proof": PASSWORD})
    page = client.get("/dashboard/audit?entity_type=User").get_data(as_text=True)
    assert "Confirmed the identity of" in page and "Refused a re-authentication of" in page
    reasons = db_session.scalars(
        sa.select(AuditEvent.reason).where(AuditEvent.action.in_(["reauthenticated", "reauthentication_refused"]))
    ).all()
    assert reasons == ["To reveal a secret", "To reveal a secret"]
