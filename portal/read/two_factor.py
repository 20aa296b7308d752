"""A person's two-factor sign-in as their profile shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import RecoveryCode, Setting, TwoFactorCredential, User
from portal.security import totp
from portal.security.secure_settings import TWO_FACTOR_REQUIRED_ROLES
from portal.services.two_factor import ENROLMENT_WINDOW, SecondFactor, required_for


@dataclass(frozen=True)
class Enrolment:
    """A secret waiting to be confirmed: as text (grouped for typing), and as a QR code of its ``otpauth://`` URI."""

    secret: str
    grouped: str
    qr_svg: str
    #: The ``otpauth://`` address: on the phone that holds the app, a link opens it there.
    uri: str


@dataclass(frozen=True)
class TwoFactorState:
    enrolled: bool
    since: datetime | None
    recovery_codes_left: int
    #: The person's role must sign in with a code: it can be moved to a new phone, never turned off.
    required: bool
    enrolment: Enrolment | None


def two_factor_state(
    session: Session, second_factor: SecondFactor, user: User, issuer: str, session_hash: str | None, now: datetime
) -> TwoFactorState:
    """The person's two-factor sign-in; a secret being enrolled only to the session that began it, while fresh."""
    credential = session.get(TwoFactorCredential, user.id)
    waiting = credential is not None and credential.pending_for(session_hash, now, ENROLMENT_WINDOW)
    secret = second_factor.pending_secret(credential) if waiting else None
    enrolment = None
    if secret is not None:
        uri = totp.provisioning_uri(secret, user.email, issuer)
        enrolment = Enrolment(secret, totp.grouped(secret), totp.qr_svg(uri, f"QR code to add {issuer} to an app"), uri)
    enrolled = credential is not None and credential.enrolled
    left = sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    stored = {TWO_FACTOR_REQUIRED_ROLES: session.get(Setting, TWO_FACTOR_REQUIRED_ROLES)}
    return TwoFactorState(
        enrolled=enrolled,
        since=credential.confirmed_at if credential is not None else None,
        recovery_codes_left=(session.scalar(left) or 0) if enrolled else 0,
        required=required_for(stored, user.role),
        enrolment=enrolment,
    )
