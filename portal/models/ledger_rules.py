"""What each kind of ledger entry may do to a wallet: one table, read by the model and the database.

The CHECK constraint on ``wallet_transaction`` is generated from this table,
and :class:`portal.models.wallet.Movement` checks the same rule in Python, so
a movement the database would refuse is refused before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LedgerKind(StrEnum):
    COMMISSION_CREDIT = "commission_credit"
    CLAWBACK = "clawback"
    PAYOUT_HOLD = "payout_hold"
    PAYOUT_RELEASE = "payout_release"
    PAYOUT_DEBIT = "payout_debit"
    ADJUSTMENT = "adjustment"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Sign(StrEnum):
    """How a delta compares with zero, as SQL writes it."""

    POSITIVE = "> 0"
    NEGATIVE = "< 0"
    ZERO = "= 0"
    NONZERO = "<> 0"

    def holds_for(self, value: int) -> bool:
        return {
            Sign.POSITIVE: value > 0,
            Sign.NEGATIVE: value < 0,
            Sign.ZERO: value == 0,
            Sign.NONZERO: value != 0,
        }[self]


@dataclass(frozen=True)
class LedgerRule:
    available: Sign | None
    held: Sign
    #: What leaves one balance enters the other (a hold or a release).
    mirrored: bool = False

    def allows(self, available_delta: int, held_delta: int) -> bool:
        if self.available is not None and not self.available.holds_for(available_delta):
            return False
        if self.mirrored and available_delta != -held_delta:
            return False
        return self.held.holds_for(held_delta)

    def sql(self, kind: LedgerKind) -> str:
        terms = [f"kind = '{kind}'"]
        if self.available is not None:
            terms.append(f"available_delta_minor {self.available}")
        terms.append(f"held_delta_minor {self.held}")
        if self.mirrored:
            terms.append("available_delta_minor = -held_delta_minor")
        return "(" + " AND ".join(terms) + ")"


LEDGER_RULES: dict[LedgerKind, LedgerRule] = {
    LedgerKind.COMMISSION_CREDIT: LedgerRule(available=Sign.POSITIVE, held=Sign.ZERO),
    LedgerKind.CLAWBACK: LedgerRule(available=Sign.NEGATIVE, held=Sign.ZERO),
    LedgerKind.PAYOUT_HOLD: LedgerRule(available=None, held=Sign.POSITIVE, mirrored=True),
    LedgerKind.PAYOUT_RELEASE: LedgerRule(available=None, held=Sign.NEGATIVE, mirrored=True),
    LedgerKind.PAYOUT_DEBIT: LedgerRule(available=Sign.ZERO, held=Sign.NEGATIVE),
    LedgerKind.ADJUSTMENT: LedgerRule(available=Sign.NONZERO, held=Sign.ZERO),
}


def deltas_match_kind_sql() -> str:
    """The CHECK that every ledger entry's deltas obey its kind's rule."""
    return " OR ".join(LEDGER_RULES[kind].sql(kind) for kind in LedgerKind)
