"""A person ending their own log-in sessions from their profile: one of them, or every one but this.

A session is named by its handle (``portal.models.user.session_handle``), always looked up among the acting
user's own sessions, so a handle copied from someone else's page ends nothing. The session doing the asking is
never ended here: that is what Log out is for, and it clears the cookie too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.commands.base import Command, CommandResult, require_id
from portal.domain import errors
from portal.domain.browsers import browser_in_words
from portal.models.user import SESSION_HANDLE_LENGTH
from portal.persistence.protocols import UnitOfWork

_HANDLE = re.compile(f"[0-9a-f]{{{SESSION_HANDLE_LENGTH}}}")
NO_SUCH_SESSION = "There is no such session among yours."


@dataclass(frozen=True)
class SessionsEnded(CommandResult):
    #: How many sessions this ended (0: the one asked for had ended already).
    ended: int


@dataclass(frozen=True, kw_only=True)
class EndLoginSession(Command[SessionsEnded]):
    """End one of the user's other sessions: the browser holding it is logged out at its next request."""

    name = "end_login_session"
    result_type = SessionsEnded

    user_id: int
    handle: str
    #: The session asking, which this refuses to end.
    current_token_hash: str

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.user_id, "user")
        if not isinstance(self.handle, str) or not _HANDLE.fullmatch(self.handle):
            raise errors.NotFound(NO_SUCH_SESSION)


@dataclass(frozen=True, kw_only=True)
class EndOtherLoginSessions(Command[SessionsEnded]):
    """End every session of the user but the one asking."""

    name = "end_other_login_sessions"
    result_type = SessionsEnded

    user_id: int
    keep_token_hash: str

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.user_id, "user")
        if not self.keep_token_hash:
            # Without the session to keep, "every other" would be every one: the asker's too.
            raise errors.InputNotValid("Log in again: this page no longer knows which session is yours.")


def end_login_session(uow: UnitOfWork, command: EndLoginSession) -> SessionsEnded:
    login = uow.users.session_of(command.user_id, command.handle)
    if login is None:
        raise errors.NotFound(NO_SUCH_SESSION)
    if login.token_hash == command.current_token_hash:
        raise errors.InputNotValid("This is the session you are using: to end it, log out.")
    ended = uow.users.end_session(login.token_hash, uow.now)
    if ended:
        uow.record_event(
            "end_session", "User", str(command.user_id),
            after={"session": login.handle, "browser": browser_in_words(login.user_agent),
                   "ip_address": login.ip_address},
        )  # fmt: skip
    return SessionsEnded(replayed=False, ended=ended)


def end_other_login_sessions(uow: UnitOfWork, command: EndOtherLoginSessions) -> SessionsEnded:
    uow.users.require(command.user_id)
    ended = uow.users.end_sessions(command.user_id, uow.now, keep_token_hash=command.keep_token_hash)
    if ended:
        uow.record_event("end_other_sessions", "User", str(command.user_id), after={"sessions_ended": ended})
    return SessionsEnded(replayed=False, ended=ended)
