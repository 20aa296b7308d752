"""Second factors inside a unit of work: a person's TOTP credential and recovery codes; never commits.

Taking a code is a compare and swap in the database, so two requests (or two
instances) racing with the same code cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from portal.models import RecoveryCode, TwoFactorCredential
from portal.repositories.base import Repository, changed_rows


class TwoFactorRepository(Repository[TwoFactorCredential]):
    model = TwoFactorCredential
    noun = "two-factor credential"

    def remove(self, user_id: int) -> None:
        """Forget the person's credential and recovery codes."""
        credential = self.get(user_id)
        if credential is not None:
            self.session.delete(credential)
        self.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))

    def take_step(self, user_id: int, step: int) -> bool:
        """Mark ``step`` used, if it is newer than every step used before; False when it is not (a replay)."""
        table = TwoFactorCredential.__table__
        newer = sa.or_(table.c.last_step.is_(None), table.c.last_step < step)
        taken = self.session.execute(sa.update(table).where(table.c.user_id == user_id, newer).values(last_step=step))
        return changed_rows(taken) == 1

    def replace_recovery_codes(self, user_id: int, hashes: Iterable[str]) -> None:
        self.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        self.session.add_all(RecoveryCode(user_id=user_id, code_hash=code_hash) for code_hash in hashes)

    def use_recovery_code(self, user_id: int, code_hash: str, now: datetime) -> bool:
        """Spend one unused recovery code; False when there is no such code or it was used."""
        unused = sa.update(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash, RecoveryCode.used_at.is_(None)
        )
        return changed_rows(self.session.execute(unused.values(used_at=now))) == 1

    def recovery_codes_left(self, user_id: int) -> int:
        return (
            self.session.scalar(
                sa.select(sa.func.count()).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
            )
            or 0
        )
