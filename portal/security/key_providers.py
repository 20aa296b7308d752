"""Key providers: wrap and unwrap the data keys that encrypt secret settings.

Two implementations behind one interface:

- ``local``: a key ring file under ``instance/`` (created on first use, mode
  0600) holding several 256-bit keys with ids, one of them active; data keys
  are wrapped with AES-256-GCM.
- ``vault``: HashiCorp Vault / OpenBao Transit through ``hvac``; data keys are
  wrapped by a named transit key and never leave Vault unwrapped in storage.

Key versions are strings: ``local-3`` or ``transit-3``.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import hvac
import requests
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hvac import exceptions as vault_errors

from portal.domain.errors import DomainError

DATA_KEY_BYTES = 32
NONCE_BYTES = 12


class KeyProviderUnavailable(DomainError):
    """The key service cannot be reached or refused us; no secret can be read or written."""

    http_status = 503


class SecretUnreadable(DomainError):
    """A stored secret failed its integrity check or names a key that no longer exists."""

    http_status = 503


class KeyVersionInUse(DomainError):
    http_status = 409


@dataclass(frozen=True)
class WrappedKey:
    key_version: str
    blob: bytes


class KeyProvider(Protocol):
    name: str

    def active_version(self) -> str: ...

    def versions(self) -> list[str]: ...

    def wrap(self, data_key: bytes) -> WrappedKey: ...

    def unwrap(self, wrapped: WrappedKey) -> bytes: ...

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey: ...

    def rotate(self) -> str: ...

    def retire(self, key_version: str) -> None: ...


#: Which provider's keys a key version names, by its prefix.
PROVIDER_OF_PREFIX = {"local-": ("local", "the local key ring"), "transit-": ("vault", "Vault/OpenBao Transit")}


def check_sealed_here(provider_name: str, prefix: str, key_version: str) -> None:
    """Refuse, saying which provider sealed it, a key version this provider does not hold."""
    if key_version.startswith(prefix):
        return
    kind, label = next(
        (found for start, found in PROVIDER_OF_PREFIX.items() if key_version.startswith(start)),
        ("another provider", "another key provider"),
    )
    raise SecretUnreadable(
        f"This secret was sealed by {label} (key {key_version}), but the portal now uses {provider_name}. "
        f"Move it with: flask --app wsgi settings rewrap --from {kind} --to {provider_name}"
    )


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


class LocalKeyRing:
    """Keys in a JSON file only this user can read; the newest added is active."""

    name = "local"
    PREFIX = "local-"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    # -- the file -------------------------------------------------------

    def _load(self) -> dict:
        if not self.path.exists():
            self._create()
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError) as error:
            raise KeyProviderUnavailable(f"The key ring {self.path} cannot be read.") from error

    def _create(self) -> None:
        self._save({"active": f"{self.PREFIX}1", "keys": {f"{self.PREFIX}1": self._new_key()}})

    @staticmethod
    def _new_key() -> dict:
        return {
            "material": base64.b64encode(secrets.token_bytes(DATA_KEY_BYTES)).decode(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _save(self, ring: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(ring, handle, indent=2)
        os.replace(temporary, self.path)
        os.chmod(self.path, 0o600)

    def _material(self, ring: dict, key_version: str) -> bytes:
        key = ring["keys"].get(key_version)
        if key is None:
            raise SecretUnreadable(
                f"Key {key_version} is not in the key ring: it was retired or the ring was replaced."
            )
        return base64.b64decode(key["material"])

    # -- the interface --------------------------------------------------

    def active_version(self) -> str:
        return self._load()["active"]

    def versions(self) -> list[str]:
        return sorted(self._load()["keys"], key=lambda version: int(version.removeprefix(self.PREFIX)))

    def wrap(self, data_key: bytes) -> WrappedKey:
        ring = self._load()
        version = ring["active"]
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self._material(ring, version)).encrypt(nonce, data_key, version.encode())
        return WrappedKey(version, nonce + sealed)

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        check_sealed_here(self.name, self.PREFIX, wrapped.key_version)
        material = self._material(self._load(), wrapped.key_version)
        nonce, sealed = wrapped.blob[:NONCE_BYTES], wrapped.blob[NONCE_BYTES:]
        try:
            return AESGCM(material).decrypt(nonce, sealed, wrapped.key_version.encode())
        except InvalidTag as error:
            raise SecretUnreadable("A stored data key failed its integrity check.") from error

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey:
        if wrapped.key_version == self.active_version():
            return wrapped
        return self.wrap(self.unwrap(wrapped))

    def rotate(self) -> str:
        with self._lock:
            ring = self._load()
            number = max(int(version.removeprefix(self.PREFIX)) for version in ring["keys"]) + 1
            version = f"{self.PREFIX}{number}"
            ring["keys"][version] = self._new_key()
            ring["active"] = version
            self._save(ring)
        return version

    def retire(self, key_version: str) -> None:
        """Forget a key for good; the caller checks no value still uses it."""
        with self._lock:
            ring = self._load()
            if key_version == ring["active"]:
                raise KeyVersionInUse(f"{key_version} is the active key; rotate before retiring it.")
            if key_version not in ring["keys"]:
                raise SecretUnreadable(f"{key_version} is not in the key ring.")
            del ring["keys"][key_version]
            self._save(ring)


class VaultTransit:
    """Data keys wrapped by a Vault / OpenBao Transit key, through hvac."""

    name = "vault"
    PREFIX = "transit-"

    def __init__(
        self,
        address: str,
        key_name: str,
        mount: str = "transit",
        token: str | None = None,
        role_id: str | None = None,
        secret_id: str | None = None,
        namespace: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.address = address
        self.key_name = key_name
        self.mount = mount
        self._token = token
        self._role_id = role_id
        self._secret_id = secret_id
        self._namespace = namespace
        self._timeout = timeout
        self._client = None
        self._lock = threading.Lock()

    def _transit(self):
        try:
            with self._lock:
                if self._client is None or not self._client.is_authenticated():
                    client = hvac.Client(
                        url=self.address, token=self._token, namespace=self._namespace, timeout=self._timeout
                    )
                    if self._role_id:
                        client.auth.approle.login(role_id=self._role_id, secret_id=self._secret_id)
                    if not client.is_authenticated():
                        raise KeyProviderUnavailable("Vault refused the configured credentials.")
                    self._client = client
            return self._client.secrets.transit
        except requests.RequestException as error:
            raise KeyProviderUnavailable(f"Vault at {self.address} is unreachable ({type(error).__name__}).") from error
        except vault_errors.VaultError as error:
            raise KeyProviderUnavailable(
                f"Vault at {self.address} refused the log-in ({type(error).__name__})."
            ) from error

    def _call(self, operation, **arguments) -> dict:
        transit = self._transit()
        try:
            return getattr(transit, operation)(name=self.key_name, mount_point=self.mount, **arguments)
        except vault_errors.InvalidPath as error:
            raise KeyProviderUnavailable(
                f"Vault has no transit key {self.key_name!r} under {self.mount}/; create it or fix VAULT_TRANSIT_KEY."
            ) from error
        except vault_errors.InvalidRequest as error:
            raise SecretUnreadable(
                "Vault could not unwrap a stored data key: it was altered or its key retired."
            ) from error
        except requests.RequestException as error:
            raise KeyProviderUnavailable(f"Vault at {self.address} is unreachable ({type(error).__name__}).") from error
        except vault_errors.VaultError as error:
            raise KeyProviderUnavailable(
                f"Vault at {self.address} refused the request ({type(error).__name__})."
            ) from error

    def _version_of(self, ciphertext: str) -> str:
        return f"{self.PREFIX}{ciphertext.split(':')[1].removeprefix('v')}"

    def ensure_key(self) -> None:
        """Create the transit key when missing (development and tests; production provisions it)."""
        transit = self._transit()
        try:
            transit.read_key(name=self.key_name, mount_point=self.mount)
        except vault_errors.InvalidPath:
            transit.create_key(name=self.key_name, mount_point=self.mount)

    def active_version(self) -> str:
        return f"{self.PREFIX}{self._call('read_key')['data']['latest_version']}"

    def versions(self) -> list[str]:
        data = self._call("read_key")["data"]
        return [f"{self.PREFIX}{n}" for n in range(data["min_decryption_version"], data["latest_version"] + 1)]

    def wrap(self, data_key: bytes) -> WrappedKey:
        ciphertext = self._call("encrypt_data", plaintext=base64.b64encode(data_key).decode())["data"]["ciphertext"]
        return WrappedKey(self._version_of(ciphertext), ciphertext.encode())

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        check_sealed_here(self.name, self.PREFIX, wrapped.key_version)
        plaintext = self._call("decrypt_data", ciphertext=wrapped.blob.decode())["data"]["plaintext"]
        return base64.b64decode(plaintext)

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey:
        check_sealed_here(self.name, self.PREFIX, wrapped.key_version)
        ciphertext = self._call("rewrap_data", ciphertext=wrapped.blob.decode())["data"]["ciphertext"]
        return WrappedKey(self._version_of(ciphertext), ciphertext.encode())

    def rotate(self) -> str:
        self._call("rotate_key")
        return self.active_version()

    def retire(self, key_version: str) -> None:
        """Stop decrypting with ``key_version`` and every older version (Vault's model is monotonic)."""
        number = int(key_version.removeprefix(self.PREFIX))
        if f"{self.PREFIX}{number}" == self.active_version():
            raise KeyVersionInUse(f"{key_version} is the active key; rotate before retiring it.")
        self._call("update_key_configuration", min_decryption_version=number + 1)


def build_key_provider(config: dict, instance_path: str) -> KeyProvider:
    """The provider named by ``KEY_PROVIDER`` (``local`` unless configured)."""
    kind = config.get("KEY_PROVIDER", "local")
    if kind == "local":
        return LocalKeyRing(config.get("LOCAL_KEYRING_PATH") or Path(instance_path) / "keyring.json")
    if kind == "vault":
        return VaultTransit(
            address=config["VAULT_ADDR"],
            key_name=config.get("VAULT_TRANSIT_KEY", "agent-portal"),
            mount=config.get("VAULT_TRANSIT_MOUNT", "transit"),
            token=config.get("VAULT_TOKEN") or None,
            role_id=config.get("VAULT_ROLE_ID") or None,
            secret_id=config.get("VAULT_SECRET_ID") or None,
            namespace=config.get("VAULT_NAMESPACE") or None,
        )
    raise ValueError(f"KEY_PROVIDER must be 'local' or 'vault', not {kind!r}")
