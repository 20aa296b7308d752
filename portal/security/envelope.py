"""Envelope encryption of one secret value.

A fresh 256-bit data key per value encrypts it with AES-256-GCM (random 96-bit
nonce); the value's name is bound as associated data, so a ciphertext copied to
another setting does not decrypt. The data key is stored wrapped by the key
provider. The stored text is versioned::

    v1.<key version>.<wrapped data key>.<nonce>.<ciphertext and tag>

with the binary parts in URL-safe base64.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.security.key_providers import NONCE_BYTES, KeyProvider, SecretUnreadable, WrappedKey, new_data_key
from portal.security.redaction import remember_secret

FORMAT = "v1"


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _associated_data(name: str) -> bytes:
    return f"agent-portal:setting:{name}".encode()


@dataclass(frozen=True)
class Envelope:
    key_version: str
    wrapped_key: bytes
    nonce: bytes
    sealed: bytes

    def serialise(self) -> str:
        parts = (
            FORMAT,
            self.key_version,
            _encode(self.wrapped_key),
            _encode(self.nonce),
            _encode(self.sealed),
        )
        return ".".join(parts)

    @classmethod
    def parse(cls, text: str) -> Envelope:
        parts = text.split(".")
        if len(parts) != 5 or parts[0] != FORMAT:
            raise SecretUnreadable("A stored secret is not in a format this version can read.")
        try:
            return cls(parts[1], _decode(parts[2]), _decode(parts[3]), _decode(parts[4]))
        except ValueError as error:
            raise SecretUnreadable("A stored secret is damaged.") from error


def seal(provider: KeyProvider, name: str, plaintext: str) -> Envelope:
    remember_secret(plaintext)
    data_key = new_data_key()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), _associated_data(name))
    wrapped = provider.wrap(data_key)
    return Envelope(wrapped.key_version, wrapped.blob, nonce, sealed)


def open_envelope(provider: KeyProvider, name: str, envelope: Envelope) -> str:
    data_key = provider.unwrap(WrappedKey(envelope.key_version, envelope.wrapped_key))
    try:
        plaintext = AESGCM(data_key).decrypt(envelope.nonce, envelope.sealed, _associated_data(name)).decode("utf-8")
    except InvalidTag as error:
        raise SecretUnreadable(
            f"The stored value of {name} failed its integrity check: it was altered or belongs to another "
            "setting. Set it again."
        ) from error
    remember_secret(plaintext)
    return plaintext


def rewrap(provider: KeyProvider, envelope: Envelope) -> Envelope:
    """The same value, its data key wrapped by the provider's newest key."""
    wrapped = provider.rewrap(WrappedKey(envelope.key_version, envelope.wrapped_key))
    return Envelope(wrapped.key_version, wrapped.blob, envelope.nonce, envelope.sealed)


def move(source: KeyProvider, target: KeyProvider, envelope: Envelope) -> Envelope:
    """The same value, its data key unwrapped by ``source`` and wrapped by ``target`` (the value is not opened)."""
    wrapped = target.wrap(source.unwrap(WrappedKey(envelope.key_version, envelope.wrapped_key)))
    return Envelope(wrapped.key_version, wrapped.blob, envelope.nonce, envelope.sealed)
