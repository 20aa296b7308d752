"""Text people type: what a name or a reason may contain, and how long it may be.

Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and friends) make a
name read differently from what it is: "evil" followed by an override shows as
"live". They carry no meaning in a name, a reason or a description, so every
command drops them from the text it carries, and every page drops them from
what it shows (rows written before this rule included). Right-to-left scripts
themselves (Arabic, Hebrew) need no controls and are kept as typed.
"""

from __future__ import annotations

import unicodedata

from portal.domain.errors import InputNotValid

#: Control characters (C0, DEL, C1: NEL included) and the line and paragraph separators: e-mail
#: headers and log lines read each of them as a line break.
_BREAKING = frozenset(("Cc", "Zl", "Zp"))

#: Embeddings, overrides, isolates and the implicit marks (LRM, RLM, ALM).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DROP_BIDI = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi_controls(text: str) -> str:
    """``text`` with every bidirectional control removed."""
    return text.translate(_DROP_BIDI)


def refuse_control_characters(value: str, what: str, field: str, refusal: type[InputNotValid] = InputNotValid) -> None:
    """A name can reach an e-mail header or a log line: a line break or other control character is refused."""
    if any(unicodedata.category(ch) in _BREAKING for ch in value):
        raise refusal(f"{what} cannot contain line breaks or other control characters.", field)


def within(text: str, limit: int, what: str, field: str, refusal: type[InputNotValid] = InputNotValid) -> str:
    """``text`` if it has at most ``limit`` characters, else a refusal that says both lengths."""
    if len(text) > limit:
        raise refusal(f"{what} can have at most {limit:,} characters; this has {len(text):,}.", field)
    return text


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for a generated text (a subject) quoting a long name."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(value: str | None, limit: int, what: str, field: str) -> str:
    """A required single-line text (a name): no control characters, runs of spaces made one, at most ``limit``."""
    refuse_control_characters(value or "", what, field)
    text = " ".join((value or "").split())
    if not text:
        raise InputNotValid(f"Enter {what[0].lower()}{what[1:]}.", field)
    return within(text, limit, what, field)
