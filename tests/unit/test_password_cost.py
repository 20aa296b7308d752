"""Production hashes passwords at argon2id's full cost; only the test suites make it cheap (tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys

from argon2 import extract_parameters, profiles

from portal.security import passwords


def test_a_fresh_process_hashes_with_rfc_9106_low_memory_parameters():
    made = subprocess.run(
        [sys.executable, "-c", "from portal.security.passwords import hash_password; print(hash_password('x' * 12))"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    parameters = extract_parameters(made.stdout.strip())
    expected = profiles.RFC_9106_LOW_MEMORY
    assert (parameters.type, parameters.memory_cost, parameters.time_cost) == (
        expected.type, expected.memory_cost, expected.time_cost,
    )  # fmt: skip
    assert parameters.memory_cost >= 64 * 1024 and parameters.time_cost >= 3


def test_a_hash_made_at_another_cost_still_verifies_and_is_marked_for_rehashing():
    cheap = passwords.hash_password("correct horse battery staple")
    assert passwords.verify_password(cheap, "correct horse battery staple")
    passwords.hash_with(profiles.RFC_9106_LOW_MEMORY)
    try:
        assert passwords.verify_password(cheap, "correct horse battery staple")
        assert not passwords.verify_password(cheap, "wrong horse battery staple")
        assert passwords.needs_rehash(cheap)
    finally:
        passwords.hash_with(profiles.CHEAPEST)
    assert not passwords.needs_rehash(cheap)
