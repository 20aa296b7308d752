"""Delivering queued notification e-mails after their transaction committed.

Each e-mail goes through three steps, and no transaction is open while the
SMTP server is talked to:

1. claim, in a short unit of work: the next due e-mail is leased (its
   ``next_attempt_at`` moves a lease ahead) and its message is built;
2. send, outside any transaction;
3. record the outcome, in a second short unit of work.

A failed attempt is retried with growing back-off; after the last attempt the
e-mail is kept as ``failed`` with its (masked) error, never dropped. An e-mail
that cannot be written at all (a header with a line break) is failed at once,
alone: the e-mails after it are delivered as usual. Delivery
is at least once: a crash between the SMTP server's acceptance and step 3
leaves the lease to run out, and the e-mail is sent again.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.domain.text import without_bidi_controls
from portal.models import EmailOutbox, Notification, User
from portal.models.base import utcnow
from portal.observability.metrics import EMAIL_DELIVERIES
from portal.persistence.unit_of_work import SessionUnitOfWork
from portal.repositories.settings import SettingsRepository
from portal.security.masking import mask_text
from portal.security.secure_settings import SecureSettings, SettingNotValid, setting_value

logger = logging.getLogger(__name__)

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
        """The settings; SettingNotValid if the sender cannot head an e-mail (then every e-mail waits, none fails)."""
        stored = SettingsRepository(session)
        loaded = cls(
            host=setting_value(stored, "smtp_host"),
            port=setting_value(stored, "smtp_port"),
            user=setting_value(stored, "smtp_user"),
            password=settings.secret_value(session, "smtp_password"),
            starttls=setting_value(stored, "smtp_starttls"),
            sender=setting_value(stored, "smtp_from"),
        )
        try:
            EmailMessage()["From"] = loaded.sender
        except (ValueError, TypeError) as error:
            raise SettingNotValid(
                f"The e-mail sender (smtp_from) cannot head an e-mail ({error}): correct it; queued e-mails wait."
            ) from None
        return loaded


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
    message["Subject"] = without_bidi_controls(notification.subject)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{outbox_id}")
    message["X-Portal-Notification"] = str(notification.id)
    body = without_bidi_controls(notification.body)
    if notification.link:
        body += f"\n\n{notification.link}"
    message.set_content(body)
    return message


@dataclass(frozen=True)
class ClaimedEmail:
    """A leased e-mail: its message, or why no message can be made of it (it is failed at once)."""

    outbox_id: int
    message: EmailMessage | None
    unbuildable: Exception | None = None


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
    try:
        return ClaimedEmail(outbox.id, _message(smtp, notification, address, outbox.id))
    except (ValueError, TypeError, UnicodeError) as error:
        # A header with a line break, an address that cannot be written: retrying changes nothing.
        return ClaimedEmail(outbox.id, None, unbuildable=error)


def _record_outcome(
    uow: SessionUnitOfWork,
    outbox_id: int,
    now: datetime,
    error: Exception | None,
    report: DeliveryReport,
    final: bool = False,
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
        EMAIL_DELIVERIES.labels("sent").inc()
        return
    outbox.last_error = mask_text(f"{type(error).__name__}: {error}")[:500]
    report.errors.append(outbox.last_error)
    if final or outbox.attempts >= MAX_ATTEMPTS:
        outbox.status = "failed"
        report.failed += 1
        EMAIL_DELIVERIES.labels("failed").inc()
    else:
        outbox.next_attempt_at = now + BACKOFF[outbox.attempts - 1]
        report.retried += 1
        EMAIL_DELIVERIES.labels("retried").inc()


def _send(
    send: Callable[[SmtpSettings, EmailMessage], None], smtp: SmtpSettings, claimed: ClaimedEmail
) -> tuple[Exception | None, bool]:
    """Send one claimed e-mail: (the failure or None, whether retrying is pointless). Never raises."""
    if claimed.message is None:
        return claimed.unbuildable, True
    try:
        send(smtp, claimed.message)
    except (OSError, smtplib.SMTPException) as error:
        return error, False
    except Exception as error:  # a message the SMTP library cannot write: it fails alone, the others go on
        logger.exception("an e-mail could not be sent", extra={"outbox_id": claimed.outbox_id})
        return error, True
    return None, False


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
        failure, final = _send(send, smtp, claimed)
        with unit("record_email_delivery") as uow:
            _record_outcome(uow, claimed.outbox_id, clock(), failure, report, final)
            uow.commit()
    return report
