"""Two-factor sign-in: enrolling an authenticator app, checking its codes, recovery codes, removing it.

Enrolment is two steps: a new secret is sealed and kept pending (the page shows
it, as text and as a QR code); a code from the app confirms it, and only then
does it replace the one before. Re-enrolling and removing need a current code
(or a recovery code), so a session left open is not enough to take over or
switch off someone's second factor. A code is accepted once: taking it moves
the credential's last used time step forward in one compare-and-swap UPDATE.
Every change is e-mailed to its person, and so is the use of a recovery code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from portal.commands.base import SECRET, Command, CommandResult, require_id, require_reason
from portal.domain import errors
from portal.models import Notification, TwoFactorCredential, User
from portal.models.notification import Audience
from portal.persistence.protocols import UnitOfWork
from portal.persistence.unit_of_work import UnitOfWorkFactory
from portal.security import totp
from portal.security.envelope import Envelope, open_envelope, seal
from portal.security.key_providers import KeyProvider
from portal.security.secure_settings import TWO_FACTOR_REQUIRED_ROLES, roles_in, setting_value

#: One budget of wrong codes per account, wherever they are typed: the log-in's code step and the profile's forms.
CODE_GUESSES = "two-factor-codes"
#: How long a secret being enrolled waits for its code.
ENROLMENT_WINDOW = timedelta(minutes=15)
WRONG_CODE = "That code is not right, or it was used already. Wait for the next code and try again."
#: How a successful check was made.
APP, RECOVERY = "app", "recovery code"


@dataclass(frozen=True)
class TwoFactorChanged(CommandResult):
    user_id: int
    enrolled: bool
    recovery_codes_left: int


@dataclass(frozen=True, kw_only=True)
class BeginTwoFactorEnrolment(Command[TwoFactorChanged]):
    """Seal a new secret for the person to add to their app; once enrolled, only with a current code."""

    name = "begin_two_factor_enrolment"
    result_type = TwoFactorChanged

    user_id: int
    current_code: str | None = field(default=None, metadata=SECRET)
    #: The log-in session it is begun in (its token's hash): only that session may finish it.
    session_token_hash: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.user_id, "user")


@dataclass(frozen=True, kw_only=True)
class ConfirmTwoFactor(Command[TwoFactorChanged]):
    """A code from the pending secret makes it the person's; ten new recovery codes replace any before."""

    name = "confirm_two_factor"
    result_type = TwoFactorChanged

    user_id: int
    code: str = field(metadata=SECRET)
    recovery_codes: tuple[str, ...] = field(metadata=SECRET)
    #: The session it is confirmed in (its hash): a session that had to enrol opens every page again.
    session_token_hash: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require_id(self.user_id, "user")
        if totp.six_digits(self.code) is None:
            raise errors.InputNotValid("Enter the six-digit code your app shows.", "code")


@dataclass(frozen=True, kw_only=True)
class RenewRecoveryCodes(Command[TwoFactorChanged]):
    name = "renew_recovery_codes"
    result_type = TwoFactorChanged

    user_id: int
    code: str = field(metadata=SECRET)
    recovery_codes: tuple[str, ...] = field(metadata=SECRET)


@dataclass(frozen=True, kw_only=True)
class RemoveTwoFactor(Command[TwoFactorChanged]):
    """Switch two-factor sign-in off, with a current code or a recovery code."""

    name = "remove_two_factor"
    result_type = TwoFactorChanged

    user_id: int
    code: str = field(metadata=SECRET)


@dataclass(frozen=True, kw_only=True)
class ResetTwoFactor(Command[TwoFactorChanged]):
    """An operator's answer to a lost phone and lost recovery codes: forget the second factor, end every session.

    The person signs in with their password next and, where their role requires it, enrols again at once.
    """

    name = "reset_two_factor"
    result_type = TwoFactorChanged

    email: str
    reason: str

    def __post_init__(self) -> None:
        super().__post_init__()
        self._set("email", (self.email or "").strip().lower())
        self._set("reason", require_reason(self.reason))


def _sealed_name(user_id: int) -> str:
    """What a secret is bound to: a ciphertext copied to another person's row does not open."""
    return f"two-factor:{user_id}"


class SecondFactor:
    """The handlers of the two-factor commands, and the check of a code, with the keys they need."""

    def __init__(self, provider: KeyProvider, recovery_key: bytes) -> None:
        self.provider = provider
        self.recovery_key = recovery_key

    # -- reading --------------------------------------------------------------

    def pending_secret(self, credential: TwoFactorCredential | None) -> str | None:
        """The secret being enrolled, for the page that shows it to its person."""
        if credential is None or credential.pending_ciphertext is None:
            return None
        return self._open(credential.user_id, credential.pending_ciphertext)

    def _open(self, user_id: int, ciphertext: str) -> str:
        return open_envelope(self.provider, _sealed_name(user_id), Envelope.parse(ciphertext))

    # -- checking a code ------------------------------------------------------

    def check_code(self, uow: UnitOfWork, user: User, text: str | None) -> str | None:
        """How ``text`` proves the person (an app code, taken once, or an unused recovery code), or None."""
        credential = uow.two_factor.get(user.id)
        if credential is None or not credential.enrolled or credential.ciphertext is None:
            return None
        digits = totp.six_digits(text)
        if digits is not None:
            step = totp.matching_step(self._open(user.id, credential.ciphertext), digits, uow.now)
            return APP if step is not None and uow.two_factor.take_step(user.id, step) else None
        plain = totp.recovery_code(text)
        if plain is None or not uow.two_factor.use_recovery_code(
            user.id, totp.recovery_hash(self.recovery_key, plain), uow.now
        ):
            return None
        left = uow.two_factor.recovery_codes_left(user.id)
        uow.record_event("recovery_code_used", "User", str(user.id), after={"recovery_codes_left": left})
        _tell(uow, user, "recovery_code_used", "A recovery code was used to sign in",
              f"One of your recovery codes was just used for {user.email}; {left} are left. If this was not you, "
              "change your password and set up two-factor sign-in again.")  # fmt: skip
        return RECOVERY

    def _require_code(self, uow: UnitOfWork, user: User, text: str | None, field_name: str = "code") -> str:
        how = self.check_code(uow, user, text)
        if how is None:
            raise errors.InputNotValid(WRONG_CODE, field_name)
        return how

    # -- commands -------------------------------------------------------------

    def begin(self, uow: UnitOfWork, command: BeginTwoFactorEnrolment) -> TwoFactorChanged:
        user = uow.users.require(command.user_id)
        credential = uow.two_factor.get(user.id)
        if credential is not None and credential.enrolled:
            if not (command.current_code or "").strip():
                raise errors.InputNotValid(
                    "Enter a code from the app you use now (or a recovery code).", "current_code"
                )
            self._require_code(uow, user, command.current_code, "current_code")
        if credential is None:
            credential = uow.two_factor.add(TwoFactorCredential(user_id=user.id))
        envelope = seal(self.provider, _sealed_name(user.id), totp.new_secret())
        credential.pending_ciphertext, credential.pending_key_version = envelope.serialise(), envelope.key_version
        credential.pending_session_hash, credential.pending_since = command.session_token_hash, uow.now
        uow.flush()
        return _changed(uow, credential)

    def confirm(self, uow: UnitOfWork, command: ConfirmTwoFactor) -> TwoFactorChanged:
        user = uow.users.require(command.user_id)
        credential = uow.two_factor.get(user.id)
        if credential is None or not credential.pending_for(command.session_token_hash, uow.now, ENROLMENT_WINDOW):
            raise errors.InputNotValid(
                "This set-up was begun in another session, or over 15 minutes ago: start it again here.", "code"
            )
        pending = self.pending_secret(credential)
        if pending is None:
            raise errors.InputNotValid("Start setting up two-factor sign-in first.", "code")
        step = totp.matching_step(pending, totp.six_digits(command.code) or "", uow.now)
        if step is None:
            raise errors.InputNotValid(
                "That code does not match the new key. Check that your phone's clock is right, then try the next code.",
                "code",
            )
        again = credential.enrolled
        credential.ciphertext, credential.key_version = credential.pending_ciphertext, credential.pending_key_version
        credential.pending_ciphertext = credential.pending_key_version = credential.pending_session_hash = None
        credential.pending_since = None
        credential.confirmed_at = uow.now
        credential.last_step = max(step, credential.last_step or step)
        self._replace_codes(uow, user, command.recovery_codes)
        if command.session_token_hash:
            uow.users.session_proved(user.id, command.session_token_hash, uow.now)
        _tell(uow, user, "two_factor_enrolled", "Two-factor sign-in was " + ("set up again" if again else "turned on"),
              f"Signing in as {user.email} now needs a code from your authenticator app"
              + (" (the new one: codes from the app used before no longer work)." if again else ".")
              + " If this was not you, contact your administrator at once.")  # fmt: skip
        uow.flush()
        return _changed(uow, credential)

    def renew_codes(self, uow: UnitOfWork, command: RenewRecoveryCodes) -> TwoFactorChanged:
        user = uow.users.require(command.user_id)
        self._require_code(uow, user, command.code)
        self._replace_codes(uow, user, command.recovery_codes)
        _tell(uow, user, "recovery_codes_renewed", "New recovery codes",
              f"New recovery codes were made for {user.email}; the earlier ones no longer work.")  # fmt: skip
        uow.flush()
        return _changed(uow, uow.two_factor.require(user.id))

    def remove(self, uow: UnitOfWork, command: RemoveTwoFactor) -> TwoFactorChanged:
        user = uow.users.require(command.user_id)
        if required_for(uow.settings, user.role):
            raise errors.InputNotValid(
                f"Two-factor sign-in is required for the {user.role} role, so it cannot be turned off. To move it to "
                "a new phone, set it up again instead.",
                "code",
            )
        self._require_code(uow, user, command.code)
        uow.two_factor.remove(user.id)
        _tell(uow, user, "two_factor_removed", "Two-factor sign-in was turned off",
              f"Signing in as {user.email} needs only the password now. If this was not you, change your password "
              "and contact your administrator at once.")  # fmt: skip
        uow.flush()
        return TwoFactorChanged(replayed=False, user_id=user.id, enrolled=False, recovery_codes_left=0)

    def reset(self, uow: UnitOfWork, command: ResetTwoFactor) -> TwoFactorChanged:
        user = uow.users.by_email(command.email)
        if user is None:
            raise errors.NotFound(f"There is no log-in for {command.email}.")
        if uow.two_factor.get(user.id) is None:
            raise errors.InputNotValid(f"{command.email} has no two-factor sign-in to reset.")
        uow.two_factor.remove(user.id)
        ended = uow.users.end_sessions(user.id, uow.now)
        _tell(uow, user, "two_factor_reset", "Two-factor sign-in was reset",
              f"An administrator reset two-factor sign-in for {user.email} ({command.reason}); every session was "
              "ended. Sign in with your password and set up your app again. If you did not ask for this, contact "
              "your administrator at once.")  # fmt: skip
        uow.record_event("two_factor_reset", "User", str(user.id), after={"sessions_ended": ended})
        uow.flush()
        return TwoFactorChanged(replayed=False, user_id=user.id, enrolled=False, recovery_codes_left=0)

    def _replace_codes(self, uow: UnitOfWork, user: User, codes: tuple[str, ...]) -> None:
        plain = [totp.recovery_code(code) for code in codes]
        if len(plain) != totp.RECOVERY_CODES or None in plain or len(set(plain)) != len(plain):
            raise errors.InputNotValid("The recovery codes were not made by this page; reload it and try again.")
        uow.two_factor.replace_recovery_codes(
            user.id, [totp.recovery_hash(self.recovery_key, code) for code in plain if code]
        )
        uow.record_event("recovery_codes_made", "User", str(user.id), after={"recovery_codes": len(plain)})

    def handlers(self) -> dict:
        return {
            BeginTwoFactorEnrolment: self.begin,
            ConfirmTwoFactor: self.confirm,
            RenewRecoveryCodes: self.renew_codes,
            RemoveTwoFactor: self.remove,
            ResetTwoFactor: self.reset,
        }


def enrolled(session: Session, user_id: int) -> bool:
    """Whether the person signs in with a code (a secret still being set up does not count)."""
    credential = session.get(TwoFactorCredential, user_id)
    return credential is not None and credential.enrolled


def required_for(settings: Any, role: str) -> bool:
    """Whether the settings (``uow.settings`` or a settings repository) require two-factor for ``role``."""
    return role in roles_in(setting_value(settings, TWO_FACTOR_REQUIRED_ROLES) or "")


def _tell(uow: UnitOfWork, user: User, kind: str, subject: str, body: str) -> None:
    """A notice about the person's own sign-in, e-mailed to them alone."""
    audience = Audience.STAFF if user.is_staff else Audience.AGENT
    uow.notifications.tell_user(
        Notification(audience=audience, agent_id=user.agent_id, kind=kind, subject=subject, body=body), user.id
    )


def _changed(uow: UnitOfWork, credential: TwoFactorCredential) -> TwoFactorChanged:
    return TwoFactorChanged(
        replayed=False, user_id=credential.user_id, enrolled=credential.enrolled,
        recovery_codes_left=uow.two_factor.recovery_codes_left(credential.user_id),
    )  # fmt: skip


def audit_refused_code(units: UnitOfWorkFactory, user_id: int, during: str) -> None:
    """Record a wrong or replayed code (never the code itself): the refused command rolled its own record back."""
    with units("two_factor_refused") as uow:
        uow.record_event("two_factor_refused", "User", str(user_id), after={"during": during})
        uow.commit()
