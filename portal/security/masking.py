"""One masking policy for every surface: pages, notifications, audit, logs.

Card numbers, phone numbers and IBANs / bank accounts keep their last four
digits; e-mail addresses keep the first letter of the mailbox and of the
domain, and the top-level domain (``j***@e***.com``).
"""

from __future__ import annotations

import re

MASK = "***"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)\.([A-Za-z]{2,24})"
    r"(?![A-Za-z0-9-])"
)
# A whole run of 13 to 19 digits, optionally grouped by single spaces or dashes:
# never a piece of a longer run, nor of a number written with a leading + (a phone).
_CARD_CANDIDATE = re.compile(r"(?<![0-9+])(?<![0-9+][ -])(?:[0-9][ -]?){12,18}[0-9](?![0-9])(?![ -][0-9])")
# IBAN candidates in free text, compact or grouped by single spaces, in capitals or all in small
# letters (a word in mixed case, such as "Paid", ends a candidate); only the longest prefix that
# passes the ISO 13616 mod-97 check is treated as an IBAN.
_IBAN_UPPER = r"[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)"
_IBAN_CANDIDATE = re.compile(rf"(?<![A-Za-z0-9])(?:{_IBAN_UPPER}|{_IBAN_UPPER.replace('A-Z', 'a-z')})(?![A-Za-z0-9])")
# Phone numbers in free text: international (leading +), North American
# ``(555) 123-4567`` / ``555-123-4567``, or national with a trunk 0
# (``020 7946 0958``). Dates and short references are left alone.
_PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+[0-9](?:[ .-]?\(?[0-9]\)?){6,14}"
    r"|\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}"
    r"|0[0-9]{2,4}[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}"
    r")(?![0-9])"
)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn checksum card numbers carry."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """True when ``compact`` (no spaces) is 15 to 34 characters and passes the mod-97 check."""
    if not 15 <= len(compact) <= 34 or not compact.isalnum() or not compact.isascii():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged.upper())) % 97 == 1


def last4(value: str | None) -> str | None:
    """The last four digits of an instrument number, or None when it has fewer."""
    if value is None:
        return None
    digits = _digits(value)
    return digits[-4:] if len(digits) >= 4 else None


def mask_card_number(value: str) -> str:
    tail = last4(value)
    return f"{MASK}{tail}" if tail else MASK


def mask_phone(value: str | None) -> str | None:
    if value is None:
        return None
    tail = last4(value)
    return f"{MASK}{tail}" if tail else MASK


def mask_iban(value: str | None) -> str | None:
    if value is None:
        return None
    alnum = "".join(ch for ch in value if ch.isalnum())
    return f"{MASK}{alnum[-4:]}" if len(alnum) >= 4 else MASK


def mask_email(value: str | None) -> str | None:
    """``john.doe@example.com`` becomes ``j***@e***.com``."""
    if value is None:
        return None
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        return MASK
    labels = domain.split(".")
    tld = labels[-1] if len(labels) > 1 else ""
    masked_domain = f"{labels[0][:1]}{MASK}" + (f".{tld}" if tld else "")
    return f"{local[:1]}{MASK}@{masked_domain}"


def _mask_card_match(match: re.Match[str]) -> str:
    digits = _digits(match.group(0))
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return mask_card_number(digits)
    return match.group(0)


def _mask_iban_match(match: re.Match[str]) -> str:
    text = match.group(0)
    for end in range(len(text), 0, -1):
        if text[end - 1] != " " and (end == len(text) or text[end] == " "):
            compact = text[:end].replace(" ", "")
            if iban_valid(compact):
                # What followed may hold another IBAN: look at it again.
                return f"{MASK}{compact[-4:]}" + _IBAN_CANDIDATE.sub(_mask_iban_match, text[end:])
    return text


def mask_text(text: str) -> str:
    """Mask every card number, e-mail address, IBAN and phone number in free text."""
    if not text:
        return text
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)) or MASK, text)
    text = _IBAN_CANDIDATE.sub(_mask_iban_match, text)
    text = _CARD_CANDIDATE.sub(_mask_card_match, text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)) or MASK, text)


MASKERS = {
    "email": mask_email,
    "phone": mask_phone,
    "iban": mask_iban,
    "card": mask_card_number,
    "text": mask_text,
}
