"""Reauthenticate on the in-memory unit of work: the proof moves one session's moment, a wrong one is refused and
audited apart, and the proof is never shown, logged or fingerprinted in clear."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.commands.runner import CommandRunner
from portal.domain import errors
from portal.models import User
from portal.models.user import LoginSession
from portal.security.key_providers import LocalKeyRing
from portal.security.passwords import hash_password
from portal.services.reauthentication import ProofRefused, Reauthenticate, Reauthentication, record_refusal
from portal.services.two_factor import SecondFactor
from tests.unit.fakes import FakeStore, FakeUnitOfWork

PASSWORD = "the staff member's password"
TOKEN_HASH = "a" * 64
LOGGED_IN = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.rows["user"][1] = User(id=1, email="ada@ops.example", full_name="Ada", role="admin",
                                 password_hash=hash_password(PASSWORD))  # fmt: skip
    store.rows["login_session"][TOKEN_HASH] = LoginSession(token_hash=TOKEN_HASH, user_id=1, authenticated_at=LOGGED_IN)
    store.rows["login_session"]["b" * 64] = LoginSession(token_hash="b" * 64, user_id=1, authenticated_at=LOGGED_IN)
    return store


@pytest.fixture
def reauthenticate(tmp_path) -> Reauthentication:
    return Reauthentication(SecondFactor(LocalKeyRing(tmp_path / "keyring.json"), b"recovery-key"))


def _command(proof: str, token_hash: str = TOKEN_HASH) -> Reauthenticate:
    return Reauthenticate(idempotency_key="k", user_id=1, token_hash=token_hash, proof=proof, purpose="reveal a secret")


def test_the_right_password_moves_this_sessions_moment_and_only_its(store, reauthenticate):
    units: list[FakeUnitOfWork] = []

    def unit(command: str, reason: str | None) -> FakeUnitOfWork:
        units.append(FakeUnitOfWork(store, command, reason))
        return units[-1]

    CommandRunner(unit, {Reauthenticate: reauthenticate}).run(_command(PASSWORD))
    assert store.rows["login_session"][TOKEN_HASH].authenticated_at == units[-1].now
    assert store.rows["login_session"]["b" * 64].authenticated_at == LOGGED_IN, "the fresh window is per session"
    assert units[-1].events == [("reauthenticated", "User", "1")]
    assert store.opened == [("reauthenticate", "To reveal a secret")]


def test_a_wrong_password_is_refused_on_the_proof_field_and_changes_nothing(store, reauthenticate):
    with FakeUnitOfWork(store, "reauthenticate") as uow, pytest.raises(ProofRefused) as refused:
        reauthenticate(uow, _command("a guess"))
    assert isinstance(refused.value, errors.InputNotValid) and refused.value.field == "proof"
    assert refused.value.message == "That password is not correct."
    assert store.rows["login_session"][TOKEN_HASH].authenticated_at == LOGGED_IN


def test_an_empty_proof_asks_for_it_and_is_not_counted_as_a_wrong_one(store, reauthenticate):
    with FakeUnitOfWork(store, "reauthenticate") as uow, pytest.raises(errors.InputNotValid) as refused:
        reauthenticate(uow, _command(""))
    assert not isinstance(refused.value, ProofRefused) and refused.value.field == "proof"


def test_an_ended_session_or_another_persons_is_not_found(store, reauthenticate):
    store.rows["login_session"]["b" * 64].ended_at = LOGGED_IN
    store.rows["login_session"]["c" * 64] = LoginSession(token_hash="c" * 64, user_id=2, authenticated_at=LOGGED_IN)
    for token_hash in ("b" * 64, "c" * 64, "d" * 64):
        with FakeUnitOfWork(store, "reauthenticate") as uow, pytest.raises(errors.NotFound):
            reauthenticate(uow, _command(PASSWORD, token_hash))


def test_a_refusal_is_audited_in_a_unit_of_its_own_without_the_proof(store):
    units: list[FakeUnitOfWork] = []

    def unit(command: str, reason: str | None) -> FakeUnitOfWork:
        units.append(FakeUnitOfWork(store, command, reason))
        return units[-1]

    record_refusal(unit, _command("a guess"))
    assert units[-1].events == [("reauthentication_refused", "User", "1")] and units[-1].committed
    assert store.opened == [("reauthenticate", "To reveal a secret")]


def test_the_proof_is_never_in_the_commands_repr_or_in_clear_in_its_fingerprint():
    command = _command(PASSWORD)
    assert PASSWORD not in repr(command)
    assert command.fingerprint(b"key") != _command("another").fingerprint(b"key")
    assert PASSWORD not in command.fingerprint(b"key")
