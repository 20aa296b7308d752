"""Envelope encryption with the local key ring: round trip, binding, tampering, rotation."""

from __future__ import annotations

import json
import stat

import pytest

from portal.security.envelope import Envelope, open_envelope, rewrap, seal
from portal.security.key_providers import KeyVersionInUse, LocalKeyRing, SecretUnreadable


@pytest.fixture
def ring(tmp_path) -> LocalKeyRing:
    return LocalKeyRing(tmp_path / "instance" / "keyring.json")


def test_round_trip_and_a_fresh_data_key_and_nonce_each_time(ring):
    first = seal(ring, "smtp_password", "hunter2 is not a password")
    second = seal(ring, "smtp_password", "hunter2 is not a password")
    assert open_envelope(ring, "smtp_password", first) == "hunter2 is not a password"
    assert first.wrapped_key != second.wrapped_key and first.nonce != second.nonce and first.sealed != second.sealed
    assert len(first.nonce) == 12
    assert "hunter2" not in first.serialise()


def test_the_stored_text_is_versioned_and_parses_back(ring):
    text = seal(ring, "webhook_signing_secret", "whsec_abc").serialise()
    assert text.startswith("v1.local-1.")
    assert open_envelope(ring, "webhook_signing_secret", Envelope.parse(text)) == "whsec_abc"


def test_a_ciphertext_copied_to_another_setting_does_not_decrypt(ring):
    envelope = seal(ring, "smtp_password", "secret")
    with pytest.raises(SecretUnreadable, match="webhook_signing_secret failed its integrity check"):
        open_envelope(ring, "webhook_signing_secret", envelope)


@pytest.mark.parametrize("part", ["wrapped_key", "nonce", "sealed"])
def test_a_tampered_ciphertext_is_refused_never_returned(ring, part):
    envelope = seal(ring, "smtp_password", "secret")
    damaged = bytearray(getattr(envelope, part))
    damaged[len(damaged) // 2] ^= 0x01
    tampered = Envelope(**{**envelope.__dict__, part: bytes(damaged)})
    with pytest.raises(SecretUnreadable):
        open_envelope(ring, "smtp_password", tampered)


@pytest.mark.parametrize("text", ["", "plain text", "v2.local-1.a.b.c", "v1.local-1.!!.b.c", "v1.local-1.a.b"])
def test_unreadable_formats_are_refused(text):
    with pytest.raises(SecretUnreadable):
        Envelope.parse(text)


def test_the_key_ring_is_created_private_with_one_active_key(ring):
    assert ring.active_version() == "local-1"
    mode = stat.S_IMODE(ring.path.stat().st_mode)
    assert mode == 0o600
    assert list(json.loads(ring.path.read_text())["keys"]) == ["local-1"]


def test_rotation_rewrap_and_retirement(ring):
    envelope = seal(ring, "smtp_password", "secret")
    assert ring.rotate() == "local-2"
    assert ring.versions() == ["local-1", "local-2"]
    moved = rewrap(ring, envelope)
    assert moved.key_version == "local-2" and moved.sealed == envelope.sealed
    assert open_envelope(ring, "smtp_password", moved) == "secret"
    with pytest.raises(KeyVersionInUse):
        ring.retire("local-2")
    ring.retire("local-1")
    assert ring.versions() == ["local-2"]
    with pytest.raises(SecretUnreadable, match="local-1 is not in the key ring"):
        open_envelope(ring, "smtp_password", envelope)
    assert stat.S_IMODE(ring.path.stat().st_mode) == 0o600
