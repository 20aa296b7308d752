"""What an audit event did, field by field, in the words and the kinds of value people read.

An event keeps its values as JSON (``portal.persistence.audit_events``): amounts as integer minor units beside a
``currency`` column, rates in basis points, moments and days as ISO text, secrets as ``[secret]`` and contact
details already masked. An update keeps only the columns it changed, so its amounts are read in the currency of
the agent the row belongs to. Here each value becomes what it stands for (an ``Amount``, a ``Rate``, a moment, a
day, yes/no), so a template formats money as money and a moment in the viewer's zone; a masked or secret value is
shown exactly as it was stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal.read.actors import ACTOR_FIELDS


@dataclass(frozen=True)
class Amount:
    """Money in minor units; ``currency`` None when nothing says which (shown as minor units)."""

    amount_minor: int
    currency: str | None


@dataclass(frozen=True)
class Rate:
    """A rate in basis points."""

    bps: int


@dataclass(frozen=True)
class ActorRef:
    """An actor stamped in a field (``decided_by``, ``created_by``), shown by name as the event's actor is."""

    raw: str


FieldValue = Amount | Rate | ActorRef | datetime | date | bool | int | float | str | None


@dataclass(frozen=True)
class FieldChange:
    """One field of an event: its label and its value before and after (None where the side does not apply)."""

    name: str
    label: str
    before: FieldValue
    after: FieldValue


#: Labels the rule in ``field_label`` would not find by itself.
LABELS = {
    "id": "ID", "email": "E-mail", "is_active": "Active", "is_secret": "Secret", "password_hash": "Password",
    "token_hash": "Token", "ciphertext": "Encrypted value", "instrument_last4": "Card or account (last 4)",
    "available_delta_minor": "Available change", "held_delta_minor": "Held change",
    "primary_color": "Primary colour", "accent_color": "Accent colour", "rollout_percentage": "Rollout (%)",
    "last_login_at": "Last log-in", "rows_estimated": "Row count estimated",
}  # fmt: skip

#: Columns every update moves along with the one that matters: never the headline of a change.
BOOKKEEPING = frozenset({"version", "updated_at"})

#: The field that sums up a new row, the first of these it has: its amount, or its movement of the wallet.
CREATED_HEADLINES = ("amount_minor", "available_delta_minor")

#: Entities as people name them; any other reads as its words ("FeatureFlag" as "Feature flag").
ENTITY_NAMES = {"WalletTransaction": "Ledger entry", "ApiToken": "API token", "PortalLogo": "Portal logo"}

#: What each action did, as the summary of its event starts.
VERBS = {
    "insert": "Created", "update": "Changed", "delete": "Deleted", "reveal": "Revealed", "rewrap": "Re-encrypted",
    "export": "Exported", "rotate": "Rotated the key of", "retire": "Retired a key of",
    "ledger_violation": "Found a violation in",
    "end_session": "Ended a log-in session of", "end_other_sessions": "Ended the other log-in sessions of",
    "reauthenticated": "Confirmed the identity of",
    "reauthentication_refused": "Refused a re-authentication of",
    "two_factor_passed": "Signed in with a second factor as", "two_factor_refused": "Refused a two-factor code of",
    "recovery_code_used": "Used a recovery code of", "recovery_codes_made": "Made new recovery codes for",
    "two_factor_reset": "Reset two-factor sign-in of",
}  # fmt: skip

#: Columns whose values are words joined by underscores (``partially_paid``), read with spaces.
WORDED = frozenset({"status", "kind", "role", "method", "source_type"})

_WORDS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def field_label(name: str) -> str:
    """``available_minor`` reads as ``Available``, ``commission_rate_bps`` as ``Commission rate``."""
    if name in LABELS:
        return LABELS[name]
    words = name.removeprefix("is_")
    for suffix in ("_minor", "_bps", "_at"):
        words = words.removesuffix(suffix)
    if words.endswith("_id"):
        words = words.removesuffix("_id") + " ID"
    text = words.replace("_", " ")
    return text[:1].upper() + text[1:]


def entity_name(entity_type: str) -> str:
    """``Payout`` as ``Payout``, ``PortalAppearance`` as ``Portal appearance``."""
    if entity_type in ENTITY_NAMES:
        return ENTITY_NAMES[entity_type]
    words = _WORDS.sub(" ", entity_type).split(" ")
    return " ".join([words[0], *(word.lower() for word in words[1:])])


def subject(entity_type: str, entity_id: str) -> str:
    """``Payout #3`` for a numbered row, ``Setting ‘smtp_password’`` for a named one."""
    name = entity_name(entity_type)
    return f"{name} #{entity_id}" if entity_id.isdigit() else f"{name} ‘{entity_id}’"


def verb(action: str) -> str:
    """How the summary of an event with ``action`` starts: ``Created``, ``Changed``, ``Revealed``."""
    return VERBS.get(action) or (action.replace("_", " ").capitalize())


def _moment(text: str) -> datetime | str:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return text


def _day(text: str) -> date | str:
    if not _ISO_DAY.fullmatch(text):
        return text
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text


def _document(value: list | dict) -> str:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value) if value else "(none)"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def field_value(name: str, value: Any, currency: str | None) -> FieldValue:
    """The stored JSON ``value`` of column ``name`` as what it stands for."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and name.endswith("_minor"):
        return Amount(value, currency)
    if isinstance(value, int) and name.endswith("_bps"):
        return Rate(value)
    if isinstance(value, str) and name in ACTOR_FIELDS:
        return ActorRef(value)
    if isinstance(value, str) and name.endswith("_at"):
        return _moment(value)
    if isinstance(value, str) and (name.endswith("_date") or name == "date"):
        return _day(value)
    if isinstance(value, str) and name in WORDED:
        return value.replace("_", " ")
    if isinstance(value, list | dict):
        return _document(value)
    if isinstance(value, int | float | str):
        return value
    return str(value)


def event_currency(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, fallback: str | None
) -> str | None:
    """The currency the event's amounts are in: its own ``currency`` column, else ``fallback`` (the agent's)."""
    for values in (after, before):
        if values and isinstance(values.get("currency"), str):
            return values["currency"]
    return fallback


def field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, currency: str | None
) -> tuple[FieldChange, ...]:
    """Each field the event holds, in stored order, with its value before and after."""
    old, new = before or {}, after or {}
    names = list(old) + [name for name in new if name not in old]
    return tuple(
        FieldChange(name, field_label(name), field_value(name, old.get(name), currency),
                    field_value(name, new.get(name), currency))
        for name in names
    )  # fmt: skip


def headline(action: str, changes: tuple[FieldChange, ...]) -> FieldChange | None:
    """The field that sums an event up: a new row's amount; an update's status, else its only field that counts."""
    if action == "insert":
        fields = {change.name: change for change in changes}
        return next((fields[name] for name in CREATED_HEADLINES if name in fields), None)
    if action != "update":
        return None
    meaningful = [change for change in changes if change.name not in BOOKKEEPING]
    for change in meaningful:
        if change.name == "status":
            return change
    return meaningful[0] if len(meaningful) == 1 else None


#: How many changed fields a summary names before it counts the rest.
NAMED_IN_SUMMARY = 3


def changed_fields(action: str, changes: tuple[FieldChange, ...]) -> str:
    """The fields an update changed, bookkeeping left out: ``available, held``, ``status, paid and 2 more``."""
    if action != "update":
        return ""
    labels = [change.label.lower() for change in changes if change.name not in BOOKKEEPING]
    named, rest = labels[:NAMED_IN_SUMMARY], len(labels) - NAMED_IN_SUMMARY
    if rest > 0:
        return f"{', '.join(named)} and {rest} more"
    return ", ".join(named)
