"""Password hashing with argon2id."""

from __future__ import annotations

import functools

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: argon2-cffi's defaults, RFC 9106's low-memory profile: three passes over 64 MiB, about 50 ms on a server core.
_hasher = PasswordHasher()


def hash_with(parameters: Parameters) -> None:
    """Hash, verify the absent account and judge rehashing with other argon2 parameters from now on.

    The test suites use argon2's ``CHEAPEST`` profile, which is what it is for: thousands of demo logins would
    otherwise spend minutes hashing. Production never calls this.
    """
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when no account matches, so a wrong e-mail costs as long as a wrong password."""
    return _hasher.hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends the same work."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
