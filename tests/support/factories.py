"""Factories: callables that add valid rows through a unit of work and return their ids."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from portal.models import Agent, Invoice, PortalAppearance, User, Wallet
from portal.persistence.unit_of_work import Actor, SessionUnitOfWork
from portal.security.passwords import hash_password

TEST_ACTOR = Actor.system("test")
PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    """One hash of the common password, made with the parameters the suite hashes with (tests/conftest.py)."""
    return hash_password(PASSWORD)


class Factories:
    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session

    @contextmanager
    def _unit(self, command: str) -> Iterator[SessionUnitOfWork]:
        with self.app.app_context(), SessionUnitOfWork(self.session, command=command, actor=TEST_ACTOR) as uow:
            yield uow

    def _add(self, row) -> int:
        with self._unit(f"test_add_{type(row).__name__.lower()}") as uow:
            self.session.add(row)
            uow.flush()
            row_id = row.id
            uow.commit()
        return row_id

    def agent(self, **fields) -> int:
        n = next(_sequence)
        values = {
            "slug": f"agent-{n}",
            "name": f"Agent {n}",
            "email": f"agent{n}@example.com",
            "phone": "+44 20 7946 0000",
            "commission_rate_bps": 1000,
            "currency": "EUR",
        }
        return self._add(Agent(**{**values, **fields}))

    def user(self, role: str = "admin", agent_id: int | None = None, **fields) -> int:
        n = next(_sequence)
        values = {
            "email": f"{role}{n}@example.com",
            "full_name": f"{role.title()} {n}",
            "role": role,
            "agent_id": agent_id,
            "password_hash": _password_hash(),
        }
        return self._add(User(**{**values, **fields}))

    def appearance(self, agent_id: int, version: int = 1, **fields) -> int:
        values = {
            "agent_id": agent_id,
            "version": version,
            "display_name": "Test Portal",
            "welcome_text": "Welcome",
            "primary_color": "#123456",
            "accent_color": "#abcdef",
            "created_by": str(TEST_ACTOR),
        }
        return self._add(PortalAppearance(**{**values, **fields}))

    def invoice(self, agent_id: int, **fields) -> int:
        n = next(_sequence)
        values = {
            "agent_id": agent_id,
            "number": f"T-{n:06d}",
            "customer_name": f"Customer {n}",
            "amount_minor": 10_000,
            "currency": "EUR",
            "due_date": date.today() + timedelta(days=30),
            "status": "issued",
        }
        return self._add(Invoice(**{**values, **fields}))

    def wallet(self, agent_id: int, currency: str = "EUR") -> int:
        return self._add(Wallet(agent_id=agent_id, currency=currency))
