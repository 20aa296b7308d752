"""Phone numbers, checked by Google's libphonenumber rules (the ``phonenumbers`` port) and kept in E.164.

A number is stored as ``+442079460958``: one spelling per number, so it can be
compared, dialled and masked the same way everywhere. People type it as they
like (``+44 20 7946 0958``, ``(020) 7946 0958`` with a default region).
"""

from __future__ import annotations

import phonenumbers

from portal.domain.errors import InputNotValid

EXAMPLE = "+44 20 7946 0958"


def is_known_region(region: str) -> bool:
    """``GB``, ``US``, ``DE``…: a region libphonenumber can read national numbers for."""
    return region in phonenumbers.SUPPORTED_REGIONS


def to_e164(text: str, region: str | None = None, field: str = "phone") -> str:
    """The number ``text`` means, as E.164; without a ``region`` it must start with its country code."""
    typed = (text or "").strip()
    try:
        number = phonenumbers.parse(typed, region or None)
    except phonenumbers.NumberParseException:
        if region:
            raise InputNotValid(f"Enter a phone number, such as {EXAMPLE}.", field) from None
        raise InputNotValid(f"Enter the phone number with its country code, such as {EXAMPLE}.", field) from None
    if number.extension:
        raise InputNotValid("An extension cannot be kept: enter the number without it.", field)
    if not phonenumbers.is_valid_number(number):
        raise InputNotValid(f"{typed} is not a valid phone number; check the country code and the digits.", field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def readable(e164: str) -> str:
    """``+442079460958`` as people write it internationally: ``+44 20 7946 0958`` (as stored if it does not parse)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
