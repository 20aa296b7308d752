"""Time-based one-time codes (RFC 6238, by ``pyotp``), their QR code (``segno``), and recovery codes.

Codes have six digits and change every 30 seconds; one step either side of now
is accepted, for a phone whose clock is a little off. Which step a code
belongs to is returned, so the caller can refuse a code whose step was used
already. Recovery codes are ten random characters from an alphabet without
look-alikes (no 0/o, 1/l/i), kept only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
import segno

DIGITS = 6
STEP_SECONDS = 30
#: Steps either side of the current one that are still accepted.
TOLERANCE_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
_CODE = re.compile(r"[0-9]{6}")
_RECOVERY = re.compile(rf"[{_RECOVERY_ALPHABET}]{{{_RECOVERY_LENGTH}}}")


def new_secret() -> str:
    """A fresh 160-bit secret in base32, the form authenticator apps take."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for a person typing it into an app."""
    return " ".join(secret[n : n + 4] for n in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The ``otpauth://`` address as an inline SVG QR code that scales with its box (no script, no image request)."""
    return segno.make(uri, error="m").svg_inline(
        scale=1, border=2, omitsize=True, title=title, svgclass="qr-code", lineclass=None, dark="#000", light="#fff"
    )


def six_digits(text: str | None) -> str | None:
    """A code as typed ("123 456", "123-456"), as six digits; None when it cannot be one."""
    digits = re.sub(r"[\s-]", "", text or "")
    return digits if _CODE.fullmatch(digits) else None


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step ``code`` is valid for at ``now`` (or one step either side), or None."""
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    moment = now.timestamp()
    for offset in range(-TOLERANCE_STEPS, TOLERANCE_STEPS + 1):
        when = moment + offset * STEP_SECONDS
        if hmac.compare_digest(otp.at(when), code):
            return int(when // STEP_SECONDS)
    return None


def code_at(secret: str, now: datetime) -> str:
    """The code an app shows at ``now`` (tests and the drill use it to act as the person's phone)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(now.timestamp())


def new_recovery_codes() -> tuple[str, ...]:
    """Ten codes such as ``k7m2p-x9q4r``, each usable once instead of an app code."""
    codes = (
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH)) for _ in range(RECOVERY_CODES)
    )
    return tuple(f"{code[:5]}-{code[5:]}" for code in codes)


def recovery_code(text: str | None) -> str | None:
    """A recovery code as typed (any case, with or without the dash or spaces), normalised; None if it is not one."""
    plain = re.sub(r"[\s-]", "", text or "").lower()
    return plain if _RECOVERY.fullmatch(plain) else None


def recovery_hash(key: bytes, code: str) -> str:
    """The keyed hash a recovery code is kept as (``code`` normalised by :func:`recovery_code`)."""
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def recovery_key(secret_key: str) -> bytes:
    """The key of recovery-code hashes, derived from the application's secret key."""
    return hmac.new(secret_key.encode(), b"portal-recovery-codes-v1", hashlib.sha256).digest()
