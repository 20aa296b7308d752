"""Re-authentication: a person proves again who they are, in the log-in session they use, before a sensitive act.

A log-in session remembers when its person last proved who they are (``LoginSession.authenticated_at``: the log-in,
or the last re-authentication). ``Reauthenticate`` checks a new proof and, when it holds, moves that moment of this
one session to now; the check is ``proves_identity``, the only place a proof is judged. A wrong proof is refused
(``ProofRefused``, on the field ``proof``); the refused command's unit of work rolls back, so the refusal is audited
afterwards in a unit of work of its own (``record_refusal``). The proof never reaches a fingerprint in clear, an
audit event or a log line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.commands.base import SECRET, Command, CommandResult, require_id
from portal.domain import errors
from portal.models import User
from portal.persistence.protocols import UnitOfWork
from portal.security import totp
from portal.security.passwords import verify_password
from portal.services.two_factor import SecondFactor

MAX_PROOF_LENGTH = 1024
MAX_PURPOSE_LENGTH = 200
_TOKEN_HASH = re.compile(r"[0-9a-f]{64}")


class ProofRefused(errors.InputNotValid):
    """The proof does not prove who the person is: refused, and the refusal audited."""

    default_field = "proof"


def proof_label(two_factor: bool) -> str:
    """What the person is asked for: their password, or (with two-factor sign-in) a code from their app."""
    return "Password or authenticator code" if two_factor else "Password"


@dataclass(frozen=True)
class Reauthenticated(CommandResult):
    user_id: int


@dataclass(frozen=True, kw_only=True)
class Reauthenticate(Command[Reauthenticated]):
    """Prove again who you are in the log-in session whose token hashes to ``token_hash``."""

    name = "reauthenticate"
    result_type = Reauthenticated

    user_id: int
    token_hash: str
    proof: str = field(metadata=SECRET, repr=False)
    #: What it is for ("reveal a secret"), kept as the reason of its audit events.
    purpose: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.user_id, "user")
        if not isinstance(self.token_hash, str) or not _TOKEN_HASH.fullmatch(self.token_hash):
            raise errors.NotFound("This log-in has ended: log in again.")
        if not isinstance(self.proof, str) or len(self.proof) > MAX_PROOF_LENGTH:
            raise errors.InputNotValid(f"Keep it under {MAX_PROOF_LENGTH} characters.", "proof")
        self._set("purpose", (self.purpose or "")[:MAX_PURPOSE_LENGTH])

    @property
    def audit_reason(self) -> str | None:
        return f"To {self.purpose}" if self.purpose else None


class Reauthentication:
    """The handler of Reauthenticate, with the second factor that checks codes."""

    def __init__(self, second_factor: SecondFactor) -> None:
        self.second_factor = second_factor

    def proves_identity(self, uow: UnitOfWork, user: User, proof: str) -> tuple[bool, str]:
        """Whether ``proof`` proves that the person in this session is ``user``, and how: the one place it is judged.

        Their current password; or, with two-factor sign-in, a code from their app (taken once, like at log-in)
        or an unused recovery code.
        """
        if totp.six_digits(proof) is not None or totp.recovery_code(proof) is not None:
            how = self.second_factor.check_code(uow, user, proof)
            if how is not None:
                return True, how
        return verify_password(user.password_hash, proof), "password"

    def __call__(self, uow: UnitOfWork, command: Reauthenticate) -> Reauthenticated:
        login = uow.users.login_session(command.token_hash)
        user = uow.users.get(command.user_id)
        if login is None or user is None or login.user_id != user.id:
            raise errors.NotFound("This log-in has ended: log in again.")
        two_factor = self._has_two_factor(uow, user)
        label = proof_label(two_factor).lower()
        if not command.proof:
            raise errors.InputNotValid(f"Enter your {label} to continue.", "proof")
        proved, how = self.proves_identity(uow, user, command.proof)
        if not proved:
            once = " A code works once: wait for the next one." if two_factor else ""
            raise ProofRefused(f"That {label} is not correct.{once}")
        login.authenticated_at = uow.now
        uow.record_event("reauthenticated", "User", str(user.id), after={"with": how})
        uow.flush()
        return Reauthenticated(replayed=False, user_id=user.id)

    @staticmethod
    def _has_two_factor(uow: UnitOfWork, user: User) -> bool:
        credential = uow.two_factor.get(user.id)
        return credential is not None and credential.enrolled


def record_refusal(units: Callable[[str, str | None], UnitOfWork], command: Reauthenticate) -> None:
    """Audit a refused proof (never the proof itself), once the refused command's unit of work has rolled back."""
    with units(command.audit_name, command.audit_reason) as uow:
        uow.record_event("reauthentication_refused", "User", str(command.user_id))
        uow.commit()
