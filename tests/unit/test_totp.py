"""Codes and recovery codes: what is accepted as typed, which time step a code belongs to, and how codes are kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.security import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOON = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("typed", "code"), [("123456", "123456"), (" 123 456 ", "123456"), ("123-456", "123456"),
                                             ("12345", None), ("1234567", None), ("12345a", None), ("", None),
                                             (None, None), ("١٢٣٤٥٦", None)])  # fmt: skip
def test_six_digits_forgive_spaces_and_dashes_and_nothing_else(typed, code):
    assert totp.six_digits(typed) == code


def test_a_code_matches_its_own_step_and_one_either_side_only():
    step = int(NOON.timestamp()) // totp.STEP_SECONDS
    for offset in (-1, 0, 1):
        code = totp.code_at(SECRET, NOON + timedelta(seconds=offset * totp.STEP_SECONDS))
        assert totp.matching_step(SECRET, code, NOON) == step + offset
    for offset in (-3, -2, 2, 3):
        code = totp.code_at(SECRET, NOON + timedelta(seconds=offset * totp.STEP_SECONDS))
        if code not in {totp.code_at(SECRET, NOON + timedelta(seconds=n * totp.STEP_SECONDS)) for n in (-1, 0, 1)}:
            assert totp.matching_step(SECRET, code, NOON) is None


def test_the_rfc_6238_reference_code():
    """RFC 6238 appendix B, SHA-1, at 59 s: 94287082 in eight digits, so 287082 in six."""
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of "12345678901234567890"
    assert totp.code_at(secret, datetime(1970, 1, 1, 0, 0, 59, tzinfo=UTC)) == "287082"


def test_recovery_codes_are_ten_distinct_and_read_back_however_typed():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == totp.RECOVERY_CODES == 10
    for code in codes:
        assert totp.recovery_code(code.upper().replace("-", " ")) == code.replace("-", "")
    assert totp.recovery_code("0o1l-iiiii") is None, "look-alike characters are never in a code"
    assert totp.recovery_code("123456") is None


def test_recovery_hashes_are_keyed():
    plain = "abcdefghjk"
    assert totp.recovery_hash(b"one", plain) != totp.recovery_hash(b"two", plain)
    assert plain not in totp.recovery_hash(b"one", plain)


def test_the_qr_code_is_inline_svg_that_scales():
    svg = totp.qr_svg(totp.provisioning_uri(SECRET, "ada@ops.example", "Agent Portal"), "QR code")
    assert svg.startswith("<svg") and "viewBox" in svg and "width=" not in svg.split(">")[0]
    assert "<script" not in svg and "<title>QR code</title>" in svg
    assert totp.grouped(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
