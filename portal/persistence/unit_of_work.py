"""The unit of work: one transaction per command, committed in one place.

Repositories add and change rows through ``uow.session`` and never commit.
Leaving the ``with`` block without :meth:`UnitOfWork.commit` rolls everything
back. Every commit writes one structured log line; post-commit hooks (e-mail,
webhooks) run only after the commit succeeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Self

from sqlalchemy.orm import Session, scoped_session

from portal.observability.correlation import current_correlation_id, new_correlation_id
from portal.persistence.audit_chain import lock_chain_head
from portal.security.masking import mask_text

if TYPE_CHECKING:
    from portal.repositories.agents import AgentRepository
    from portal.repositories.commissions import CommissionRepository
    from portal.repositories.idempotency import IdempotencyRepository
    from portal.repositories.invoices import InvoiceRepository
    from portal.repositories.notifications import NotificationRepository
    from portal.repositories.payments import PaymentRepository
    from portal.repositories.payouts import PayoutRepository
    from portal.repositories.settings import SettingsRepository
    from portal.repositories.summaries import SummaryRepository
    from portal.repositories.wallets import WalletRepository

logger = logging.getLogger("portal.unit_of_work")

_active: ContextVar[UnitOfWork | None] = ContextVar("active_unit_of_work", default=None)


@dataclass(frozen=True)
class Actor:
    """Who a change is made by: a user, or the system itself."""

    kind: str
    identifier: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.identifier}"

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls("user", str(user_id))

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name)


class UnitOfWorkError(RuntimeError):
    """The unit of work was used in a way that could lose or leak changes."""


class UnitOfWork:
    """Own a session's transaction for one named command."""

    def __init__(
        self,
        session: Session | scoped_session,
        *,
        command: str,
        actor: Actor,
        correlation_id: str | None = None,
        request_ip: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.session: Session = session() if isinstance(session, scoped_session) else session
        self.command = command
        self.actor = actor
        self.correlation_id = correlation_id or current_correlation_id() or new_correlation_id()
        self.request_ip = request_ip
        self.reason = mask_text(reason) if reason else None
        self.rows_written = 0
        self.committed = False
        self.chain_head: tuple[int, str] | None = None
        #: Audit events gathered by the flushes, chained and written once at commit.
        self.pending_audit_events: list[dict] = []
        self._post_commit: list[Callable[[], None]] = []
        self._started: float | None = None
        self._token = None

    def __enter__(self) -> Self:
        if _active.get() is not None:
            raise UnitOfWorkError(
                f"{self.command!r} started inside {_active.get().command!r}: units of work do not nest"
            )
        if self.session.new or self.session.dirty or self.session.deleted:
            raise UnitOfWorkError("the session holds changes made outside a unit of work")
        if self.session.in_transaction():
            # End the request's read transaction so this command sees fresh data.
            self.session.rollback()
        self.session.begin()
        self.session.info["unit_of_work"] = self
        if self.session.get_bind().dialect.name == "sqlite":
            # SQLite has one writer: take its write lock first, or a snapshot read
            # now could not be upgraded to a write later (SQLITE_BUSY_SNAPSHOT).
            self.lock_audit_chain()
        self._token = _active.set(self)
        self._started = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self.committed:
                self.session.rollback()
        finally:
            self.session.info.pop("unit_of_work", None)
            _active.reset(self._token)

    # The write repositories, all on this unit of work's session. Imported on
    # first use: the repositories import the audit hook, which imports this module.

    @cached_property
    def agents(self) -> AgentRepository:
        from portal.repositories.agents import AgentRepository

        return AgentRepository(self.session)

    @cached_property
    def invoices(self) -> InvoiceRepository:
        from portal.repositories.invoices import InvoiceRepository

        return InvoiceRepository(self.session)

    @cached_property
    def payments(self) -> PaymentRepository:
        from portal.repositories.payments import PaymentRepository

        return PaymentRepository(self.session)

    @cached_property
    def commissions(self) -> CommissionRepository:
        from portal.repositories.commissions import CommissionRepository

        return CommissionRepository(self.session)

    @cached_property
    def wallets(self) -> WalletRepository:
        from portal.repositories.wallets import WalletRepository

        return WalletRepository(self.session)

    @cached_property
    def payouts(self) -> PayoutRepository:
        from portal.repositories.payouts import PayoutRepository

        return PayoutRepository(self.session)

    @cached_property
    def summaries(self) -> SummaryRepository:
        from portal.repositories.summaries import SummaryRepository

        return SummaryRepository(self.session)

    @cached_property
    def notifications(self) -> NotificationRepository:
        from portal.repositories.notifications import NotificationRepository

        return NotificationRepository(self.session)

    @cached_property
    def settings(self) -> SettingsRepository:
        from portal.repositories.settings import SettingsRepository

        return SettingsRepository(self.session)

    @cached_property
    def idempotency(self) -> IdempotencyRepository:
        from portal.repositories.idempotency import IdempotencyRepository

        return IdempotencyRepository(self.session)

    def lock_audit_chain(self) -> None:
        """Take the audit chain's lock, once, held until the transaction ends.

        Taken just before the events are appended at commit, so writers queue
        only for that short step and never while holding it wait for a row.
        """
        if self.chain_head is None:
            self.chain_head = lock_chain_head(self.session.connection())

    def add_post_commit_hook(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once this unit of work has committed, never before."""
        self._post_commit.append(hook)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        if self.committed:
            raise UnitOfWorkError(f"{self.command!r} was already committed")
        self.session.commit()
        self.committed = True
        logger.info(
            "unit of work committed",
            extra={
                "event": "uow.commit",
                "command": self.command,
                "actor": str(self.actor),
                "correlation_id": self.correlation_id,
                "duration_ms": round((time.perf_counter() - self._started) * 1000, 3),
                "rows_written": self.rows_written,
            },
        )
        for hook in self._post_commit:
            try:
                hook()
            except Exception:
                logger.exception("post-commit hook failed", extra={"command": self.command, "hook": repr(hook)})


def active_unit_of_work() -> UnitOfWork | None:
    """The unit of work running in this context, if any."""
    return _active.get()


def note_rows_written(session: Session, count: int) -> None:
    """Count rows a statement wrote outside the ORM's flush into the active unit of work."""
    uow = session.info.get("unit_of_work")
    if uow is not None and count > 0:
        uow.rows_written += count
