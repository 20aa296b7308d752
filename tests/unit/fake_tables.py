"""The in-memory repositories of :class:`tests.unit.fakes.FakeUnitOfWork`, one per table the handlers use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from portal.domain import errors
from portal.models import (
    Agent,
    Commission,
    Invoice,
    Notification,
    Payment,
    PortalAppearance,
    PortalLogo,
    Setting,
    User,
    Wallet,
)
from portal.models.user import LoginSession


class _FakeTable:
    kind = ""
    noun = "record"

    def __init__(self, uow: Any) -> None:
        self.uow = uow
        self.store = uow.store

    def _visible(self) -> dict[Any, Any]:
        return {**self.store.rows[self.kind], **self.uow.pending[self.kind]}

    def add(self, row):
        if getattr(row, "id", None) is None:
            row.id = next(self.store.ids)
        self.uow.pending[self.kind][row.id] = row
        return row

    def get(self, key):
        return self._visible().get(key)

    def require(self, key):
        row = self.get(key)
        if row is None:
            raise errors.NotFound(f"There is no such {self.noun}.")
        return row

    def refresh(self, row):
        self.store.refreshes.append((self.uow.command, type(row).__name__))
        return row


class FakeAgents(_FakeTable):
    kind = "agent"
    noun = "agent"

    def by_slug(self, slug: str):
        return next((agent for agent in self._visible().values() if agent.slug == slug), None)


class FakeInvoices(_FakeTable):
    kind = "invoice"
    noun = "invoice"

    def with_agent(self, invoice_id: int):
        invoice = self.get(invoice_id)
        return (invoice, self.uow.agents.get(invoice.agent_id)) if invoice else None

    def next_number(self, agent) -> str:
        mine = [row for row in self._visible().values() if isinstance(row, Invoice) and row.agent_id == agent.id]
        return f"{agent.slug.upper()}-{len(mine) + 1:05d}"

    def last_alike(self, agent_id: int, customer_name: str, amount_minor: int, since: datetime) -> datetime | None:
        times = [i.created_at for i in self._visible().values()
                 if (i.agent_id, i.customer_name, i.amount_minor) == (agent_id, customer_name, amount_minor)
                 and i.created_at is not None and i.created_at >= since]  # fmt: skip
        return max(times, default=None)


class FakePayouts(_FakeTable):
    kind = "payout"

    def last_alike(self, agent_id: int, amount_minor: int, since: datetime) -> datetime | None:
        times = [p.requested_at for p in self._visible().values()
                 if p.agent_id == agent_id and p.amount_minor == amount_minor and p.requested_at >= since]  # fmt: skip
        return max(times, default=None)

    noun = "payout"


class FakePayments(_FakeTable):
    kind = "payment"
    noun = "payment"

    def insert(self, payment: Payment) -> int:
        payment.version = 1
        return self.add(payment).id

    def add_refund(self, refund):
        refund.id = next(self.store.ids)
        self.uow.pending["refund"][refund.id] = refund
        return refund

    def last_alike(self, invoice_id: int, amount_minor: int, since: datetime) -> datetime | None:
        alike = [p for p in self._visible().values() if p.invoice_id == invoice_id and p.amount_minor == amount_minor]
        times = [p.received_at for p in alike if p.received_at >= since]
        return max(times, default=None)

    def last_refund_alike(self, payment_id: int, amount_minor: int, since: datetime) -> datetime | None:
        refunds = {**self.store.rows["refund"], **self.uow.pending["refund"]}.values()
        alike = [r for r in refunds if r.payment_id == payment_id and r.amount_minor == amount_minor]
        times = [r.created_at for r in alike if r.created_at >= since]
        return max(times, default=None)


class FakeCommissions(_FakeTable):
    kind = "commission"
    noun = "commission"

    def insert(self, commission: Commission) -> int:
        commission.version = 1
        return self.add(commission).id

    def _for_payment(self, payment_id: int, kind: str):
        return [c for c in self._visible().values() if c.payment_id == payment_id and c.kind == kind]

    def original_for_payment(self, payment_id: int):
        found = self._for_payment(payment_id, "commission")
        return found[0] if found else None

    def clawed_back_total(self, payment_id: int) -> int:
        return sum(c.amount_minor for c in self._for_payment(payment_id, "clawback"))

    def pending_clawbacks(self, payment_id: int):
        return [c for c in self._for_payment(payment_id, "clawback") if c.status == "pending"]

    def due_for_approval(self, cutoff, limit: int = 500):
        self.store.due_queries.append((cutoff, limit))
        due = [
            c
            for c in self._visible().values()
            if c.status == "pending" and c.kind == "commission" and c.created_at <= cutoff
        ]
        return [c.id for c in sorted(due, key=lambda c: (c.created_at, c.id))][:limit]


class FakeWallets(_FakeTable):
    kind = "wallet"
    noun = "wallet"

    def for_agent(self, agent_id: int, currency: str, lock: bool = False):
        if lock:
            self.store.locks.append((self.uow.command, agent_id, currency))
        for wallet in self._visible().values():
            if wallet.agent_id == agent_id and wallet.currency == currency:
                return wallet
        return None

    def open(self, agent_id: int, currency: str, lock: bool = False):
        wallet = self.for_agent(agent_id, currency, lock=lock)
        if wallet is None:
            wallet = self.add(Wallet(agent_id=agent_id, currency=currency, available_minor=0, held_minor=0))
        return wallet

    def append(self, entry):
        entry.id = next(self.store.ids)
        self.uow.pending["ledger"][entry.id] = entry
        return entry

    def last_adjustment_alike(self, agent_id: int, amount_minor: int, since: datetime) -> datetime | None:
        entries = {**self.store.rows["ledger"], **self.uow.pending["ledger"]}.values()
        times = [e.created_at for e in entries if e.agent_id == agent_id and e.kind == "adjustment"
                 and e.available_delta_minor == amount_minor and e.created_at >= since]  # fmt: skip
        return max(times, default=None)


class FakeSummaries:
    def __init__(self, uow: Any) -> None:
        self.uow = uow

    def open(self, agent_id: int, currency: str) -> None:
        self.uow.pending_summary.append((agent_id, currency, None, {}))

    def apply(self, agent_id: int, currency: str, last_payment_at=None, **deltas: int) -> None:
        self.uow.pending_summary.append((agent_id, currency, last_payment_at, deltas))


class FakeNotifications(_FakeTable):
    kind = "notification"

    def add(self, row: Notification) -> int:
        return super().add(row).id

    def mark_read(self, agent_id: int, notification_id: int | None, now: datetime) -> int:
        unread = [
            row
            for row in self._visible().values()
            if row.agent_id == agent_id and row.read_at is None and notification_id in (None, row.id)
        ]
        for row in unread:
            row.read_at = now
        return len(unread)

    def belongs_to(self, agent_id: int, notification_id: int) -> bool:
        row = self.get(notification_id)
        return row is not None and row.agent_id == agent_id

    def tell_user(self, notification: Notification, user_id: int) -> int:
        return self.add(notification)


class FakeAppearances(_FakeTable):
    kind = "appearance"

    def _versions(self, agent_id: int) -> list[PortalAppearance]:
        return sorted((row for row in self._visible().values() if row.agent_id == agent_id), key=lambda r: r.version)

    def current(self, agent_id: int) -> PortalAppearance | None:
        versions = self._versions(agent_id)
        return versions[-1] if versions else None

    def version(self, agent_id: int, version: int) -> PortalAppearance | None:
        return next((row for row in self._versions(agent_id) if row.version == version), None)

    def add_logo(self, logo: PortalLogo) -> PortalLogo:
        logo.id = next(self.store.ids)
        self.uow.pending["logo"][logo.id] = logo
        return logo


class FakeUsers(_FakeTable):
    kind = "user"
    noun = "user"

    def by_email(self, email: str) -> User | None:
        return next((user for user in self._visible().values() if user.email == email), None)

    def with_agent(self, email: str) -> tuple[User, Agent | None] | None:
        user = self.by_email(email)
        return (user, self.uow.agents.get(user.agent_id)) if user else None

    def open_session(self, login: LoginSession) -> LoginSession:
        self.uow.pending["login_session"][login.token_hash] = login
        return login

    def session_proved(self, user_id: int, token_hash: str, now: datetime) -> int:
        login = self.login_session(token_hash)
        if login is None or login.user_id != user_id:
            return 0
        login.must_enrol_two_factor, login.authenticated_at = False, now
        return 1

    def require_enrolment(self, roles: list[str]) -> int:
        raise AssertionError("the unit tests change no sign-in rule")

    def login_session(self, token_hash: str) -> LoginSession | None:
        login = {**self.store.rows["login_session"], **self.uow.pending["login_session"]}.get(token_hash)
        return login if login is not None and login.ended_at is None else None

    def end_sessions(self, user_id: int, now: datetime, *, keep_token_hash: str | None = None) -> int:
        ended = [
            login
            for login in {**self.store.rows["login_session"], **self.uow.pending["login_session"]}.values()
            if login.user_id == user_id and login.ended_at is None and login.token_hash != keep_token_hash
        ]
        for login in ended:
            login.ended_at = now
        return len(ended)

    def end_sessions_of_agent(self, agent_id: int, now: datetime) -> int:
        users = [user.id for user in self._visible().values() if user.agent_id == agent_id]
        return sum(self.end_sessions(user_id, now) for user_id in users)

    def end_session(self, token_hash: str, now: datetime) -> int:
        login = self.store.rows["login_session"].get(token_hash)
        if login is None or login.ended_at is not None:
            return 0
        login.ended_at = now
        return 1

    def session_of(self, user_id: int, handle: str) -> LoginSession | None:
        logins = {**self.store.rows["login_session"], **self.uow.pending["login_session"]}.values()
        return next((login for login in logins if login.user_id == user_id and login.handle == handle), None)


class FakeApiTokens(_FakeTable):
    kind = "api_token"
    noun = "API token"


class FakeFlags(_FakeTable):
    kind = "flag"
    noun = "flag"


class FakeVerificationRuns(_FakeTable):
    kind = "verification_run"
    noun = "verification run"


class FakeRolloutSteps(_FakeTable):
    kind = "rollout_step"
    noun = "rollout step"


class FakeSettings:
    def __init__(self, values: dict[str, Any]) -> None:
        self.rows = {name: Setting(name=name, value=value) for name, value in values.items()}

    def get(self, key: Any) -> Setting | None:
        return self.rows.get(key)

    def require(self, key: Any) -> Setting:
        row = self.get(key)
        if row is None:
            raise errors.NotFound(f"There is no setting {key}.")
        return row

    def add(self, row: Setting) -> Setting:
        self.rows[row.name] = row
        return row

    def put(self, setting: Setting) -> Setting:
        return self.add(setting)

    def refresh(self, row: Setting) -> Setting:
        return row


class FakeIdempotency:
    def __init__(self, uow: Any) -> None:
        self.uow = uow

    def get(self, key: str):
        return self.uow.store.rows["idempotency"].get(key)

    def record(self, key: str, command: str, request_hash: str, actor: str, result: dict):
        fields = {"key": key, "command": command, "request_hash": request_hash, "actor": actor, "result": result}
        record = type("Record", (), fields)()
        self.uow.pending["idempotency"][key] = record
        return record


class FakeSecondFactors(_FakeTable):
    """Two-factor credentials by user id; the handlers of the unit tests only look one up."""

    kind = "two_factor_credential"
    noun = "two-factor credential"

    def remove(self, user_id: int) -> None:
        self.store.rows[self.kind].pop(user_id, None)

    def take_step(self, user_id: int, step: int) -> bool:
        credential = self.get(user_id)
        if credential is None or (credential.last_step is not None and credential.last_step >= step):
            return False
        credential.last_step = step
        return True

    def replace_recovery_codes(self, user_id: int, hashes: Iterable[str]) -> None:
        self.store.rows["recovery_code"][user_id] = dict.fromkeys(hashes)

    def use_recovery_code(self, user_id: int, code_hash: str, now: datetime) -> bool:
        codes = self.store.rows["recovery_code"].get(user_id, {})
        if code_hash not in codes or codes[code_hash] is not None:
            return False
        codes[code_hash] = now
        return True

    def recovery_codes_left(self, user_id: int) -> int:
        return sum(used is None for used in self.store.rows["recovery_code"].get(user_id, {}).values())
