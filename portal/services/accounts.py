"""Log-ins: staff accounts with roles, and agents' own portal log-ins."""

from __future__ import annotations

import sqlalchemy as sa

from portal.domain import errors
from portal.models import User
from portal.models.user import STAFF_ROLES
from portal.persistence.unit_of_work import UnitOfWork
from portal.security.passwords import MIN_PASSWORD_LENGTH, hash_password


def _check_new_login(uow: UnitOfWork, email: str, password: str) -> str:
    normalized = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise errors.InputNotValid(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if uow.session.scalar(sa.select(User.id).where(User.email == normalized)) is not None:
        raise errors.InputNotValid(f"{normalized} already has a log-in.")
    return normalized


def create_staff_user(uow: UnitOfWork, email: str, full_name: str, role: str, password: str) -> int:
    if role not in STAFF_ROLES:
        raise errors.InputNotValid("Choose admin, finance or viewer.")
    with uow:
        normalized = _check_new_login(uow, email, password)
        user = User(email=normalized, full_name=full_name.strip(), role=role, password_hash=hash_password(password))
        uow.session.add(user)
        uow.flush()
        user_id = user.id
        uow.commit()
    return user_id


def create_agent_login(uow: UnitOfWork, agent_id: int, email: str, full_name: str, password: str) -> int:
    with uow:
        if uow.agents.get(agent_id) is None:
            raise errors.NotFound("There is no such agent.")
        normalized = _check_new_login(uow, email, password)
        user = User(
            email=normalized,
            full_name=full_name.strip(),
            role="agent",
            agent_id=agent_id,
            password_hash=hash_password(password),
        )
        uow.session.add(user)
        uow.flush()
        user_id = user.id
        uow.commit()
    return user_id


def update_staff_user(uow: UnitOfWork, user_id: int, role: str, is_active: bool, acting_user_id: int) -> None:
    """Change a staff member's role or access; nobody can demote or lock out themselves."""
    if role not in STAFF_ROLES:
        raise errors.InputNotValid("Choose admin, finance or viewer.")
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or user.role == "agent":
            raise errors.NotFound("There is no such staff member.")
        if user_id == acting_user_id and (role != user.role or not is_active):
            raise errors.InputNotValid("You cannot change your own role or lock yourself out; ask another admin.")
        user.role = role
        user.is_active = is_active
        uow.commit()
