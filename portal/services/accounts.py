"""Log-ins: staff accounts with roles, agents' own portal log-ins, and changing a password."""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.commands.base import SECRET, Command, CommandResult, require_id
from portal.domain import errors
from portal.domain.text import one_line
from portal.models import User
from portal.models.base import column_length
from portal.models.user import STAFF_ROLES, Role
from portal.persistence.protocols import UnitOfWork
from portal.security.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password

MAX_EMAIL = column_length(User.email)
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class UserChanged(CommandResult):
    user_id: int
    email: str
    role: str


def _email(value: str) -> str:
    email = (value or "").strip().lower()
    if not email or "@" not in email or len(email) > MAX_EMAIL:
        raise errors.InputNotValid("Enter a valid e-mail address.", "email")
    return email


def _full_name(value: str) -> str:
    return one_line(value, column_length(User.full_name), "The person's name", "full_name")


def _password(value: str, field: str = "password") -> None:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD_LENGTH:
        raise errors.InputNotValid(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", field)
    if len(value) > MAX_PASSWORD:
        raise errors.InputNotValid(f"Keep the password under {MAX_PASSWORD} characters.", field)


def _staff_role(value: str) -> Role:
    if value not in STAFF_ROLES:
        raise errors.InputNotValid("Choose admin, finance or viewer.", "role")
    return Role(value)


@dataclass(frozen=True, kw_only=True)
class NewLogin(Command[UserChanged]):
    """What every new log-in is given: an address, a name, a first password."""

    result_type = UserChanged

    email: str
    full_name: str
    password: str = field(metadata=SECRET)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("email", _email(self.email))
        self._set("full_name", _full_name(self.full_name))
        _password(self.password)


@dataclass(frozen=True, kw_only=True)
class CreateStaffUser(NewLogin):
    name = "create_user"

    role: str

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("role", _staff_role(self.role))


@dataclass(frozen=True, kw_only=True)
class CreateAgentLogin(NewLogin):
    name = "create_agent_login"

    agent_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.agent_id, "agent")


@dataclass(frozen=True, kw_only=True)
class UpdateStaffUser(Command[UserChanged]):
    """Change a staff member's role or access; nobody can demote or lock out themselves."""

    name = "update_user"
    result_type = UserChanged

    user_id: int
    role: str
    is_active: bool
    acting_user_id: int

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.user_id, "staff member")
        self._set("role", _staff_role(self.role))
        self._set("is_active", bool(self.is_active))


@dataclass(frozen=True, kw_only=True)
class ChangePassword(Command[UserChanged]):
    """Check the current password, store the new one, end every other log-in session."""

    name = "change_password"
    result_type = UserChanged

    user_id: int
    current: str = field(metadata=SECRET)
    new: str = field(metadata=SECRET)
    keep_token_hash: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _password(self.new, "new")


def create_staff_user(uow: UnitOfWork, command: CreateStaffUser) -> UserChanged:
    _check_email_free(uow, command.email)
    user = uow.users.add(
        User(email=command.email, full_name=command.full_name, role=command.role,
             password_hash=hash_password(command.password))
    )  # fmt: skip
    uow.flush()
    return _changed(user)


def create_agent_login(uow: UnitOfWork, command: CreateAgentLogin) -> UserChanged:
    uow.agents.require(command.agent_id)
    _check_email_free(uow, command.email)
    user = uow.users.add(
        User(email=command.email, full_name=command.full_name, role=Role.AGENT, agent_id=command.agent_id,
             password_hash=hash_password(command.password))
    )  # fmt: skip
    uow.flush()
    return _changed(user)


def update_staff_user(uow: UnitOfWork, command: UpdateStaffUser) -> UserChanged:
    user = uow.users.get(command.user_id)
    if user is None or user.role == Role.AGENT:
        raise errors.NotFound("There is no such staff member.")
    if command.user_id == command.acting_user_id and (command.role != user.role or not command.is_active):
        raise errors.InputNotValid("You cannot change your own role or lock yourself out; ask another admin.")
    user.role = command.role
    user.is_active = command.is_active
    if not command.is_active:
        # Locked out for good: unlocking later does not bring these sessions back.
        uow.users.end_sessions(user.id, uow.now)
    uow.flush()
    return _changed(user)


def change_password(uow: UnitOfWork, command: ChangePassword) -> UserChanged:
    user = uow.users.require(command.user_id)
    if not verify_password(user.password_hash, command.current):
        raise errors.InputNotValid("The current password is not correct.", "current")
    if verify_password(user.password_hash, command.new):
        raise errors.InputNotValid("Choose a password different from the current one.", "new")
    user.password_hash = hash_password(command.new)
    uow.users.end_sessions(user.id, uow.now, keep_token_hash=command.keep_token_hash)
    uow.flush()
    return _changed(user)


def _check_email_free(uow: UnitOfWork, email: str) -> None:
    if uow.users.by_email(email) is not None:
        raise errors.InputNotValid(f"{email} already has a log-in.", "email")


def _changed(user: User) -> UserChanged:
    return UserChanged(replayed=False, user_id=user.id, email=user.email, role=user.role)
