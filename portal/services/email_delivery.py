"""Delivering queued notification e-mails after their transaction committed.

Each e-mail goes through three steps, and no transaction is open while the
SMTP server is talked to:

1. claim, in a short unit of work: the next due e-mail is leased (its
   ``next_attempt_at`` moves a lease ahead) and its message is built;
2. send, outside any transaction;
3. record the outcome, in a second short unit of work.

A failed attempt is retried with growing back-off; after the last attempt the
e-mail is kept as ``failed`` with its (masked) error, never dropped. Delivery
is at least once: a crash between the SMTP server's acceptance and step 3
leaves the lease to run out, and the e-mail is sent again.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import EmailOutbox, Notification, User
from portal.models.base import utcnow
from portal.persistence.unit_of_work import SessionUnitOfWork
from portal.repositories.settings import SettingsRepository
from portal.security.masking import mask_text
from portal.security.secure_settings import SecureSettings, setting_value

# Waits after the 1st, 2nd, … failed attempt; after the last, the e-mail is marked failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SMTP_TIMEOUT_SECONDS = 20
# Longer than a send can take (connect, STARTTLS, log-in, send: each within the timeout).
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str | None
    starttls: bool
    sender: str

    @classmethod
    def load(cls, session: Session, settings: SecureSettings) -> SmtpSettings:
        stored = SettingsRepository(session)
        return cls(
            host=setting_value(stored, "smtp_host"),
            port=setting_value(stored, "smtp_port"),
            user=setting_value(stored, "smtp_user"),
            password=settings.secret_value(session, "smtp_password"),
            starttls=setting_value(stored, "smtp_starttls"),
            sender=setting_value(stored, "smtp_from"),
        )


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def send_with_smtp(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server, or raise."""
    with smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS) as server:
        if settings.starttls:
            server.starttls(context=ssl.create_default_context())
        if settings.user:
            server.login(settings.user, settings.password or "")
        server.send_message(message)


def _message(settings: SmtpSettings, notification: Notification, address: str, outbox_id: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = address
    message["Subject"] = notification.subject
    message["Message-ID"] = make_msgid(idstring=f"outbox-{outbox_id}")
    message["X-Portal-Notification"] = str(notification.id)
    body = notification.body
    if notification.link:
        body += f"\n\n{notification.link}"
    message.set_content(body)
    return message


@dataclass(frozen=True)
class ClaimedEmail:
    outbox_id: int
    message: EmailMessage


def _claim_next(uow: SessionUnitOfWork, smtp: SmtpSettings, now: datetime) -> ClaimedEmail | None:
    """Lease the next due e-mail and build its message; other deliverers skip it."""
    claimed = uow.session.execute(
        sa.select(EmailOutbox, Notification, User.email)
        .join(Notification, Notification.id == EmailOutbox.notification_id)
        .join(User, User.id == EmailOutbox.user_id)
        .where(EmailOutbox.status == "pending", EmailOutbox.next_attempt_at <= now)
        .order_by(EmailOutbox.next_attempt_at, EmailOutbox.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=EmailOutbox)
    ).first()
    if claimed is None:
        return None
    outbox, notification, address = claimed
    outbox.next_attempt_at = now + LEASE
    return ClaimedEmail(outbox.id, _message(smtp, notification, address, outbox.id))


def _record_outcome(
    uow: SessionUnitOfWork, outbox_id: int, now: datetime, error: Exception | None, report: DeliveryReport
) -> None:
    outbox = uow.session.get(EmailOutbox, outbox_id)
    if outbox is None:
        # Its notification was deleted (with the agent) while the e-mail was being sent.
        return
    outbox.attempts += 1
    if error is None:
        outbox.status = "sent"
        outbox.sent_at = now
        outbox.last_error = None
        report.sent += 1
        return
    outbox.last_error = mask_text(f"{type(error).__name__}: {error}")[:500]
    report.errors.append(outbox.last_error)
    if outbox.attempts >= MAX_ATTEMPTS:
        outbox.status = "failed"
        report.failed += 1
    else:
        outbox.next_attempt_at = now + BACKOFF[outbox.attempts - 1]
        report.retried += 1


def deliver_due(
    unit: Callable[[str], SessionUnitOfWork],
    smtp: SmtpSettings,
    send: Callable[[SmtpSettings, EmailMessage], None] = send_with_smtp,
    clock: Callable[[], datetime] = utcnow,
    limit: int = 200,
) -> DeliveryReport:
    """Send up to ``limit`` due e-mails: claim, send with no transaction open, record."""
    report = DeliveryReport()
    for _ in range(limit):
        with unit("claim_email") as uow:
            claimed = _claim_next(uow, smtp, clock())
            if claimed is None:
                break
            uow.commit()
        try:
            send(smtp, claimed.message)
        except (OSError, smtplib.SMTPException) as error:
            failure: Exception | None = error
        else:
            failure = None
        with unit("record_email_delivery") as uow:
            _record_outcome(uow, claimed.outbox_id, clock(), failure, report)
            uow.commit()
    return report
