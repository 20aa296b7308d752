"""What a command handler may use of its unit of work: the repositories and the command's stamp.

:class:`portal.persistence.unit_of_work.SessionUnitOfWork` is the real one; the
unit tests' in-memory fake is checked against the same protocol by mypy, so the
two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from portal.models import (
    Agent,
    ApiToken,
    Commission,
    FeatureFlag,
    Invoice,
    Notification,
    Payment,
    Payout,
    PortalAppearance,
    PortalLogo,
    Refund,
    RolloutStep,
    Setting,
    TwoFactorCredential,
    User,
    VerificationRun,
    Wallet,
    WalletTransaction,
)
from portal.models.user import LoginSession
from portal.persistence.context import Actor

M = TypeVar("M")


class Rows(Protocol[M]):
    def add(self, row: M) -> M: ...

    def get(self, key: Any) -> M | None: ...

    def refresh(self, row: M) -> M: ...

    def require(self, key: Any) -> M: ...


class Agents(Rows[Agent], Protocol):
    def by_slug(self, slug: str) -> Agent | None: ...


class Invoices(Rows[Invoice], Protocol):
    def with_agent(self, invoice_id: int) -> tuple[Invoice, Agent] | None: ...

    def next_number(self, agent: Agent) -> str: ...

    def last_alike(self, agent_id: int, customer_name: str, amount_minor: int, since: datetime) -> datetime | None: ...


class Payments(Rows[Payment], Protocol):
    def insert(self, payment: Payment) -> int: ...

    def add_refund(self, refund: Refund) -> Refund: ...

    def last_alike(self, invoice_id: int, amount_minor: int, since: datetime) -> datetime | None: ...

    def last_refund_alike(self, payment_id: int, amount_minor: int, since: datetime) -> datetime | None: ...


class Payouts(Rows[Payout], Protocol):
    def last_alike(self, agent_id: int, amount_minor: int, since: datetime) -> datetime | None: ...


class Commissions(Rows[Commission], Protocol):
    def insert(self, commission: Commission) -> int: ...

    def original_for_payment(self, payment_id: int) -> Commission | None: ...

    def clawed_back_total(self, payment_id: int) -> int: ...

    def pending_clawbacks(self, payment_id: int) -> list[Commission]: ...

    def due_for_approval(self, cutoff: datetime, limit: int = 500) -> list[int]: ...


class Wallets(Rows[Wallet], Protocol):
    def for_agent(self, agent_id: int, currency: str, lock: bool = False) -> Wallet | None: ...

    def open(self, agent_id: int, currency: str, lock: bool = False) -> Wallet: ...

    def append(self, entry: WalletTransaction) -> WalletTransaction: ...

    def last_adjustment_alike(self, agent_id: int, amount_minor: int, since: datetime) -> datetime | None: ...


class Summaries(Protocol):
    def open(self, agent_id: int, currency: str) -> None: ...

    def apply(self, agent_id: int, currency: str, last_payment_at: datetime | None = None, **deltas: int) -> None: ...


class Notifications(Protocol):
    def add(self, notification: Notification) -> int: ...

    def mark_read(self, agent_id: int, notification_id: int | None, now: datetime) -> int: ...

    def belongs_to(self, agent_id: int, notification_id: int) -> bool: ...

    def tell_user(self, notification: Notification, user_id: int) -> int: ...


class Settings(Rows[Setting], Protocol):
    def put(self, setting: Setting) -> Setting: ...


class IdempotencyRecord(Protocol):
    command: str
    request_hash: str
    result: dict[str, Any] | None


class IdempotencyRecords(Protocol):
    def get(self, key: str) -> IdempotencyRecord | None: ...

    def record(self, key: str, command: str, request_hash: str, actor: str, result: dict[str, Any]) -> None: ...


class Appearances(Rows[PortalAppearance], Protocol):
    def current(self, agent_id: int) -> PortalAppearance | None: ...

    def version(self, agent_id: int, version: int) -> PortalAppearance | None: ...

    def add_logo(self, logo: PortalLogo) -> PortalLogo: ...


class Users(Rows[User], Protocol):
    def by_email(self, email: str) -> User | None: ...

    def with_agent(self, email: str) -> tuple[User, Agent | None] | None: ...

    def open_session(self, login: LoginSession) -> LoginSession: ...

    def session_proved(self, user_id: int, token_hash: str, now: datetime) -> int: ...

    def require_enrolment(self, roles: list[str]) -> int: ...
    def login_session(self, token_hash: str) -> LoginSession | None: ...

    def end_sessions(self, user_id: int, now: datetime, *, keep_token_hash: str | None = None) -> int: ...

    def end_sessions_of_agent(self, agent_id: int, now: datetime) -> int: ...

    def end_session(self, token_hash: str, now: datetime) -> int: ...

    def session_of(self, user_id: int, handle: str) -> LoginSession | None: ...


class SecondFactors(Rows[TwoFactorCredential], Protocol):
    def remove(self, user_id: int) -> None: ...

    def take_step(self, user_id: int, step: int) -> bool: ...

    def replace_recovery_codes(self, user_id: int, hashes: Iterable[str]) -> None: ...

    def use_recovery_code(self, user_id: int, code_hash: str, now: datetime) -> bool: ...

    def recovery_codes_left(self, user_id: int) -> int: ...


class UnitOfWork(Protocol):
    """One command's transaction: its repositories, who runs it, and its moment."""

    command: str
    actor: Actor
    correlation_id: str
    request_ip: str | None
    reason: str | None
    now: datetime

    @property
    def agents(self) -> Agents: ...

    @property
    def appearances(self) -> Appearances: ...

    @property
    def invoices(self) -> Invoices: ...

    @property
    def payments(self) -> Payments: ...

    @property
    def commissions(self) -> Commissions: ...

    @property
    def wallets(self) -> Wallets: ...

    @property
    def payouts(self) -> Payouts: ...

    @property
    def summaries(self) -> Summaries: ...

    @property
    def notifications(self) -> Notifications: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def idempotency(self) -> IdempotencyRecords: ...

    @property
    def users(self) -> Users: ...

    @property
    def two_factor(self) -> SecondFactors: ...

    @property
    def api_tokens(self) -> Rows[ApiToken]: ...

    @property
    def flags(self) -> Rows[FeatureFlag]: ...

    @property
    def verification_runs(self) -> Rows[VerificationRun]: ...

    @property
    def rollout_steps(self) -> Rows[RolloutStep]: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...

    def flush(self) -> None: ...

    def commit(self) -> None: ...

    def add_post_commit_hook(self, hook: Any) -> None: ...

    def record_event(
        self,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Audit something that is not a row change (a secret revealed, a log-in)."""
        ...
