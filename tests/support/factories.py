"""Factories: callables that add valid rows through a unit of work and return their ids."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from portal.models import Agent, Invoice, PortalAppearance, User
from portal.persistence.unit_of_work import Actor, UnitOfWork
from portal.security.passwords import hash_password

TEST_ACTOR = Actor.system("test")
PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)
# Hashing is deliberately slow; tests share one hash of the common password.
_PASSWORD_HASH = hash_password(PASSWORD)


class Factories:
    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session

    @contextmanager
    def _unit(self, command: str) -> Iterator[UnitOfWork]:
        with self.app.app_context(), UnitOfWork(self.session, command=command, actor=TEST_ACTOR) as uow:
            yield uow

    def agent(self, **fields) -> int:
        n = next(_sequence)
        values = {
            "slug": f"agent-{n}",
            "name": f"Agent {n}",
            "email": f"agent{n}@example.com",
            "phone": "+44 20 7946 0000",
            "commission_rate_bps": 1000,
            "currency": "EUR",
            **fields,
        }
        with self._unit("test_add_agent") as uow:
            agent = Agent(**values)
            self.session.add(agent)
            uow.flush()
            agent_id = agent.id
            uow.commit()
        return agent_id

    def user(self, role: str = "admin", agent_id: int | None = None, **fields) -> int:
        n = next(_sequence)
        values = {
            "email": f"{role}{n}@example.com",
            "full_name": f"{role.title()} {n}",
            "role": role,
            "agent_id": agent_id,
            "password_hash": _PASSWORD_HASH,
            **fields,
        }
        with self._unit("test_add_user") as uow:
            user = User(**values)
            self.session.add(user)
            uow.flush()
            user_id = user.id
            uow.commit()
        return user_id

    def appearance(self, agent_id: int, version: int = 1, **fields) -> int:
        values = {
            "agent_id": agent_id,
            "version": version,
            "display_name": "Test Portal",
            "welcome_text": "Welcome",
            "primary_color": "#123456",
            "accent_color": "#abcdef",
            "created_by": str(TEST_ACTOR),
            **fields,
        }
        with self._unit("test_add_appearance") as uow:
            appearance = PortalAppearance(**values)
            self.session.add(appearance)
            uow.flush()
            appearance_id = appearance.id
            uow.commit()
        return appearance_id

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
            **fields,
        }
        with self._unit("test_add_invoice") as uow:
            invoice = Invoice(**values)
            self.session.add(invoice)
            uow.flush()
            invoice_id = invoice.id
            uow.commit()
        return invoice_id
