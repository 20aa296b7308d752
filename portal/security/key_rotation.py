"""Key rotation over everything sealed at rest: secret settings and people's two-factor secrets.

Each sealed value is envelope ciphertext with the key version that wrapped its
data key, in a pair of columns. Re-wrapping gives a value's data key to the
newest key version (or moves it from one provider to another) without ever
opening the value; a key version can be retired only once no column uses it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import Setting, TwoFactorCredential
from portal.persistence.unit_of_work import SessionUnitOfWork
from portal.repositories.base import changed_rows
from portal.security.envelope import Envelope, move, rewrap
from portal.security.key_providers import PROVIDER_OF_PREFIX, KeyProvider, KeyVersionInUse
from portal.security.secure_settings import SettingNotValid


@dataclass(frozen=True)
class SealedColumn:
    """Where sealed values live: their table's key, ciphertext and key version columns, and the audit's name."""

    entity: str
    key: sa.Column
    ciphertext: sa.Column
    key_version: sa.Column

    @property
    def table(self) -> sa.Table:
        return self.key.table


_SETTING = Setting.__table__.c
_TWO_FACTOR = TwoFactorCredential.__table__.c
SEALED = (
    SealedColumn("Setting", _SETTING.name, _SETTING.ciphertext, _SETTING.key_version),
    SealedColumn("TwoFactorCredential", _TWO_FACTOR.user_id, _TWO_FACTOR.ciphertext, _TWO_FACTOR.key_version),
    SealedColumn(
        "TwoFactorCredential", _TWO_FACTOR.user_id, _TWO_FACTOR.pending_ciphertext, _TWO_FACTOR.pending_key_version
    ),
)


@dataclass(frozen=True)
class RewrapReport:
    rewrapped: int
    skipped: int
    by_key_version: dict[str | None, int]


@dataclass(frozen=True)
class SealedValue:
    column: SealedColumn
    key: object

    def __str__(self) -> str:
        return f"{self.column.entity} {self.key}"


class KeyRotation:
    """Counts, re-wraps and retires the key versions of every sealed value."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    def usage(self, session: Session) -> dict[str | None, int]:
        """How many sealed values use each key version."""
        counts: Counter[str | None] = Counter()
        for column in SEALED:
            rows = session.execute(
                sa.select(column.key_version, sa.func.count())
                .where(column.ciphertext.is_not(None))
                .group_by(column.key_version)
            ).all()
            counts.update({version: count for version, count in rows})
        return dict(counts)

    def _waiting(self, session: Session, source: KeyProvider | None) -> list[SealedValue]:
        """The sealed values not on the newest key version (or, with ``source``, those that provider sealed)."""
        active = self.provider.active_version()
        prefix = None
        if source is not None:
            prefix = next(start for start, (kind, _label) in PROVIDER_OF_PREFIX.items() if kind == source.name)

        def condition(column: SealedColumn) -> sa.ColumnElement[bool]:
            return column.key_version != active if prefix is None else column.key_version.startswith(prefix)

        return [
            SealedValue(column, key)
            for column in SEALED
            for key in session.scalars(
                sa.select(column.key).where(column.ciphertext.is_not(None), condition(column)).order_by(column.key)
            )
        ]

    def rewrap_all(
        self,
        session: Session,
        unit: Callable[[str], SessionUnitOfWork],
        progress: Callable[[str], None] | None = None,
        source: KeyProvider | None = None,
    ) -> RewrapReport:
        """Re-wrap every sealed value's data key with the newest key version, one value at a time.

        With ``source`` (another provider: the local key ring before Vault), the
        values that provider sealed move to this one; the values themselves are
        never decrypted, only their data keys. Safe while the application runs:
        each value is rewritten only if its ciphertext is still the one that
        was read (compare and swap), so a value changed meanwhile is left alone.
        """
        rewrapped = skipped = 0
        for value in self._waiting(session, source):
            if self._rewrap_one(unit("rewrap_secret"), value, source):
                rewrapped += 1
            else:
                skipped += 1
            if progress:
                progress(str(value))
        return RewrapReport(rewrapped, skipped, self.usage(session))

    def _rewrap_one(self, uow: SessionUnitOfWork, value: SealedValue, source: KeyProvider | None) -> bool:
        column = value.column
        with uow:
            found = uow.session.execute(
                sa.select(column.ciphertext, column.key_version).where(column.key == value.key)
            ).first()
            if found is None or found[0] is None:
                return False
            old_text, old_version = found
            old = Envelope.parse(old_text)
            envelope = rewrap(self.provider, old) if source is None else move(source, self.provider, old)
            if envelope.key_version == old_version:
                return False
            swapped = uow.session.execute(
                sa.update(column.table)
                .where(column.key == value.key, column.ciphertext == old_text)
                .values({column.ciphertext.name: envelope.serialise(), column.key_version.name: envelope.key_version})
            )
            if changed_rows(swapped) != 1:
                return False
            uow.record_event(
                "rewrap", column.entity, str(value.key),
                before={column.key_version.name: old_version}, after={column.key_version.name: envelope.key_version},
            )  # fmt: skip
            uow.commit()
        return True

    def retire(self, session: Session, key_version: str) -> None:
        """Retire a key version that no sealed value uses any more.

        Vault retires every version up to the one named, so none of those may be in use.
        """
        retiring = _number(key_version)
        if retiring is None:
            raise SettingNotValid(f"{key_version!r} is not a key version (such as local-2 or transit-2).")
        in_use = self.usage(session)
        if self.provider.name == "vault":
            blocking = {v: n for v, n in in_use.items() if v and (_number(v) or 0) <= retiring}
        else:
            blocking = {v: n for v, n in in_use.items() if v == key_version}
        if blocking:
            uses = ", ".join(f"{n} on {v}" for v, n in sorted(blocking.items()))
            raise KeyVersionInUse(
                f"{key_version} cannot be retired: secrets still use it ({uses}). Run settings rewrap."
            )
        self.provider.retire(key_version)


def _number(version: str) -> int | None:
    tail = version.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None
