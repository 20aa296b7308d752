"""A command: a frozen dataclass that validates itself, names its result and gives its own fingerprint.

Every state change, money or not, is one command. Building it checks and
normalises its fields (a refusal names the field); the runner then takes it
exactly once per idempotency key. The fingerprint is a hash of the command's
name and fields, the key excepted: the same key with another fingerprint is a
conflict, never a second effect. Fields marked ``secret`` (a password, a secret
setting) enter the fingerprint through a keyed hash, so no stored fingerprint
can be used to guess them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Self, TypeVar

from portal.domain import errors
from portal.domain.text import within, without_bidi_controls
from portal.models.base import MAX_ROW_ID
from portal.security.masking import mask_text

MAX_AMOUNT_MINOR = 10**13
MAX_REASON_LENGTH = 500
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


@dataclass(frozen=True)
class CommandResult:
    """What a command answers; stored with its idempotency key and replayed as is."""

    #: True when this answer is a replay of an earlier request with the same key.
    replayed: bool

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document.pop("replayed")
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any], replayed: bool = True) -> Self:
        return cls(replayed=replayed, **document)


#: ``field(metadata=SECRET)``: a command field whose value never enters a stored fingerprint in clear.
SECRET = MappingProxyType({"secret": True})
#: ``field(metadata=PERMISSION)``: a person's go-ahead (to repeat, to go below zero), not part of what was asked:
#: the same request sent again with it replays, never conflicts.
PERMISSION = MappingProxyType({"permission": True})


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it; bytes (an uploaded logo) by their digest."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
    return value


def _without_bidi(value: Any) -> Any:
    """A text field, or a text field of a value the command carries, without bidirectional controls."""
    if isinstance(value, str):
        return without_bidi_controls(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        texts = {item.name: getattr(value, item.name) for item in dataclasses.fields(value)}
        return dataclasses.replace(
            value, **{name: without_bidi_controls(text) for name, text in texts.items() if isinstance(text, str)}
        )
    return value


R = TypeVar("R", bound=CommandResult)


@dataclass(frozen=True, kw_only=True)
class Command(Generic[R]):
    """Base of every command; subclasses are frozen dataclasses with their fields."""

    #: The command's name in the audit trail, the logs and the idempotency records.
    name: ClassVar[str]
    #: The result type its handler returns (and a replay rebuilds).
    result_type: ClassVar[type[CommandResult]]

    idempotency_key: str

    def __post_init__(self) -> None:
        if not isinstance(self.idempotency_key, str) or not _KEY.fullmatch(self.idempotency_key):
            raise errors.IdempotencyKeyInvalid("An idempotency key of 1 to 100 letters, digits or . _ : - is required.")
        for item in dataclasses.fields(self):
            if not item.metadata.get("secret"):
                self._set(item.name, _without_bidi(getattr(self, item.name)))

    @property
    def audit_name(self) -> str:
        """The name its audit events, log line and idempotency record carry."""
        return self.name

    @property
    def audit_reason(self) -> str | None:
        """Why the change is made, kept on every audit event: the command's ``reason`` field, if it has one."""
        reason = getattr(self, "reason", None)
        return reason if isinstance(reason, str) else None

    def fingerprint(self, secret_key: bytes = b"") -> str:
        document: dict[str, Any] = {"command": self.name}
        for item in dataclasses.fields(self):
            if item.name == "idempotency_key" or item.metadata.get("permission"):
                continue
            value = _plain(getattr(self, item.name))
            if item.metadata.get("secret") and value is not None:
                value = hmac.new(secret_key, str(value).encode(), hashlib.sha256).hexdigest()
            document[item.name] = value
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _set(self, name: str, value: Any) -> None:
        """Normalise a field while validating (the dataclass is frozen once built)."""
        object.__setattr__(self, name, value)


def new_idempotency_key() -> str:
    """A fresh key, for a form being shown or a command run once from the command line."""
    return uuid.uuid4().hex


def require_positive_amount(amount_minor: Any) -> int:
    """A whole number of minor units above zero and below 10¹³ (a hundred billion in major units)."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise errors.AmountNotValid("The amount must be a whole number of minor units (cents).")
    if amount_minor <= 0:
        raise errors.AmountNotValid("Enter an amount greater than zero.")
    if amount_minor > MAX_AMOUNT_MINOR:
        raise errors.AmountNotValid("That amount is too large.")
    return amount_minor


def require_nonzero_amount(amount_minor: Any) -> int:
    """A whole, non-zero number of minor units, either sign, at most 10¹³ away from zero."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor == 0:
        raise errors.AmountNotValid("Enter a non-zero whole number of minor units (negative to debit).")
    if abs(amount_minor) > MAX_AMOUNT_MINOR:
        raise errors.AmountNotValid("That amount is too large.")
    return amount_minor


def masked_within(
    text: str, limit: int, what: str, field: str, refusal: type[errors.InputNotValid] = errors.InputNotValid
) -> str:
    """``text`` with card numbers, e-mail addresses and phone numbers masked, at most ``limit`` characters
    as typed and as stored (masking can lengthen it)."""
    within(text, limit, what, field, refusal)
    masked = mask_text(text)
    if len(masked) > limit:
        raise refusal(
            f"{what} has {len(masked):,} characters once the card numbers, e-mail addresses and phone numbers in it "
            f"are masked; keep it to {limit:,}.",
            field,
        )
    return masked


def require_reason(reason: Any) -> str:
    """A non-empty reason, masked: it is kept in the audit trail and shown to people."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise errors.ReasonRequired("Give a reason: it is kept in the audit trail.")
    return masked_within(text, MAX_REASON_LENGTH, "The reason", "reason", refusal=errors.ReasonRequired)


def require_id(value: Any, what: str) -> int:
    """A database id: a positive integer that fits an id column, else ``what`` is not found."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ROW_ID:
        raise errors.NotFound(f"There is no such {what}.")
    return value
