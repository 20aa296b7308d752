"""Known secret values, replaced by ``[secret]`` wherever text leaves the process.

Patterns find card numbers and e-mail addresses, but an API key looks like any
other word. Every secret this process encrypts or decrypts is remembered here,
so a remote system echoing it back in an error message cannot put it in a log
line or a notification.
"""

from __future__ import annotations

import threading

REDACTED = "[secret]"
MIN_LENGTH = 6
MAX_REMEMBERED = 256

_known: dict[str, None] = {}
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """Redact ``value`` from now on (values shorter than six characters are too common to redact)."""
    if not value or len(value) < MIN_LENGTH:
        return
    with _lock:
        _known.pop(value, None)
        _known[value] = None
        while len(_known) > MAX_REMEMBERED:
            _known.pop(next(iter(_known)))


def redact(text: str) -> str:
    """``text`` with every remembered secret replaced, longest first."""
    if not text or not _known:
        return text
    with _lock:
        secrets = sorted(_known, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text
