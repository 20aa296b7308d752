"""The unit of work: one transaction per command, committed in one place.

Repositories add and change rows through ``uow.session`` and never commit.
Leaving the ``with`` block without :meth:`SessionUnitOfWork.commit` rolls
everything back. Every commit writes one structured log line, with every row
the command wrote counted by one statement listener; post-commit hooks
(e-mail, webhooks) run only after the commit succeeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from datetime import datetime
from typing import Any, Self

from sqlalchemy import Delete, Insert, Update, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from portal.models.base import utcnow
from portal.observability.correlation import current_correlation_id, new_correlation_id

# Imported for its side effect too: the audit hooks are installed wherever a unit of work can run.
from portal.persistence import audit_trail  # noqa: F401
from portal.persistence.audit_chain import lock_chain_head
from portal.persistence.audit_events import AuditEventValues, record_event
from portal.persistence.context import Actor, CommandContext, UnitOfWorkError
from portal.repositories.agents import AgentRepository
from portal.repositories.api_tokens import ApiTokenRepository
from portal.repositories.appearance import AppearanceRepository
from portal.repositories.commissions import CommissionRepository
from portal.repositories.flags import FlagRepository
from portal.repositories.idempotency import IdempotencyRepository
from portal.repositories.invoices import InvoiceRepository
from portal.repositories.notifications import NotificationRepository
from portal.repositories.operations import RolloutStepRepository, VerificationRunRepository
from portal.repositories.payments import PaymentRepository
from portal.repositories.payouts import PayoutRepository
from portal.repositories.settings import SettingsRepository
from portal.repositories.summaries import SummaryRepository
from portal.repositories.two_factor import TwoFactorRepository
from portal.repositories.users import UserRepository
from portal.repositories.wallets import WalletRepository
from portal.security.masking import mask_text

__all__ = ["Actor", "CommandContext", "SessionUnitOfWork", "UnitOfWorkError", "UnitOfWorkFactory"]

logger = logging.getLogger("portal.unit_of_work")

_active: ContextVar[SessionUnitOfWork | None] = ContextVar("active_unit_of_work", default=None)


class SessionUnitOfWork:
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
        #: The moment of this command: every row it stamps carries it (the command runner sets it from its clock).
        self.now: datetime = utcnow()
        self.rows_written = 0
        self.committed = False
        self.chain_head: tuple[int, str] | None = None
        #: Audit events gathered by the flushes, chained and written once at commit.
        self.pending_audit_events: list[AuditEventValues] = []
        self._post_commit: list[Callable[[], None]] = []
        self._started = 0.0
        self._token: Token[SessionUnitOfWork | None] | None = None
        self.agents = AgentRepository(self.session)
        self.appearances = AppearanceRepository(self.session)
        self.invoices = InvoiceRepository(self.session)
        self.payments = PaymentRepository(self.session)
        self.commissions = CommissionRepository(self.session)
        self.wallets = WalletRepository(self.session)
        self.payouts = PayoutRepository(self.session)
        self.summaries = SummaryRepository(self.session)
        self.notifications = NotificationRepository(self.session, clock=lambda: self.now)
        self.settings = SettingsRepository(self.session)
        self.idempotency = IdempotencyRepository(self.session)
        self.users = UserRepository(self.session)
        self.two_factor = TwoFactorRepository(self.session)
        self.api_tokens = ApiTokenRepository(self.session)
        self.flags = FlagRepository(self.session)
        self.verification_runs = VerificationRunRepository(self.session)
        self.rollout_steps = RolloutStepRepository(self.session)

    def __enter__(self) -> Self:
        running = _active.get()
        if running is not None:
            raise UnitOfWorkError(f"{self.command!r} started inside {running.command!r}: units of work do not nest")
        if self.session.new or self.session.dirty or self.session.deleted:
            # Changes made before the unit of work began would be committed with it, unaudited by its command.
            raise UnitOfWorkError("the session holds changes made outside a unit of work")
        if self.session.in_transaction():
            # End the request's read transaction so this command sees fresh data.
            self.session.rollback()
        self.session.begin()
        self.session.info["unit_of_work"] = self
        self.now = utcnow()
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
            if self._token is not None:
                _active.reset(self._token)
                self._token = None

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

    def record_event(
        self,
        action: str,
        entity_type: str,
        entity_id: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Audit something that is not a row change; chained with the other events at commit."""
        record_event(self, action, entity_type, entity_id, before, after)

    def commit(self) -> None:
        if self.committed:
            # A second commit would start and commit a new, empty transaction behind the caller's back.
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


class UnitOfWorkFactory:
    """Units of work on one session for one context: the only place a unit of work is built."""

    def __init__(self, session: Session | scoped_session, context: CommandContext) -> None:
        self.session = session
        self.context = context

    def __call__(self, command: str, reason: str | None = None) -> SessionUnitOfWork:
        return SessionUnitOfWork(
            self.session,
            command=command,
            actor=self.context.actor,
            correlation_id=self.context.correlation_id,
            request_ip=self.context.request_ip,
            reason=reason,
        )


def active_unit_of_work() -> SessionUnitOfWork | None:
    """The unit of work running in this context, if any."""
    return _active.get()


@event.listens_for(Engine, "after_execute")
def _count_rows_written(conn, clauseelement, multiparams, params, execution_options, result) -> None:
    """Every row an INSERT, UPDATE or DELETE wrote, ORM flush or not, counts for the running unit of work.

    An INSERT of values wrote one row per parameter set (SQLite reports no row count
    for ``INSERT … RETURNING`` until its rows are read); everything else by its row count.
    """
    uow = _active.get()
    if uow is None or not isinstance(clauseelement, Insert | Update | Delete):
        return
    if execution_options.get("uncounted") or clauseelement.get_execution_options().get("uncounted"):
        return
    if isinstance(clauseelement, Insert) and clauseelement.select is None:
        uow.rows_written += len(result.context.compiled_parameters)
    else:
        uow.rows_written += max(result.rowcount, 0)
