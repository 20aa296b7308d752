"""Every feature flag the product reads, in one place: what it does, its default, its scope, its owner, its end.

Evaluation takes a flag's default from here (a flag with no row yet, or a database
that cannot be read); a test fails when code reads a flag missing from this
catalog, or when a flag listed here is read nowhere. ``flask flags stale`` lists
the flags past their "remove after" date: the temporary adapters to retire.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Scope(StrEnum):
    #: on or off for everyone at once
    GLOBAL = "global"
    #: rolled out agent by agent: a sticky percentage, an allow-list and a deny-list
    AGENT = "agent"


@dataclass(frozen=True)
class FlagDefinition:
    name: str
    description: str
    default: bool
    scope: Scope
    owner: str
    remove_after: date | None

    def stale(self, today: date) -> bool:
        return self.remove_after is not None and today > self.remove_after


AGENT_PORTAL = "agent_portal"
READ_MODEL_READS = "read_model_reads"
FINANCIAL_ORCHESTRATOR = "financial_orchestrator"

CATALOG: dict[str, FlagDefinition] = {
    flag.name: flag
    for flag in (
        FlagDefinition(
            AGENT_PORTAL, "The agent portal, rolled out agent by agent; others see “not available yet”.",
            default=True, scope=Scope.AGENT, owner="portal team", remove_after=date(2027, 6, 30),
        ),
        FlagDefinition(
            READ_MODEL_READS, "Pages and the API read agents' figures from the summary read model; off: computed "
            "live from the ledger and the invoices (the transitional adapter).",
            default=True, scope=Scope.GLOBAL, owner="finance platform", remove_after=date(2027, 3, 31),
        ),
        FlagDefinition(
            FINANCIAL_ORCHESTRATOR, "The kill switch of every money command: off, the product is read-only for "
            "money (a banner says why) and reads go on.",
            default=True, scope=Scope.GLOBAL, owner="finance platform", remove_after=None,
        ),
    )
}  # fmt: skip


def parse_override(text: str) -> bool | int:
    """``on``/``off`` (or true/false, yes/no), or a percentage ``0``–``100`` (``0`` is off for everyone)."""
    value = text.strip().lower()
    if value in ("on", "true", "yes"):
        return True
    if value in ("off", "false", "no"):
        return False
    if value.isdigit() and 0 <= int(value) <= 100:
        return int(value)
    raise ValueError(f"a flag override is on, off or a percentage 0-100, not {text!r}")


def definition_of(name: str) -> FlagDefinition:
    """The flag's definition; a name not in the catalog is a programming error, not a default."""
    return CATALOG[name]
