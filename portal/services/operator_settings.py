"""The operator's typed settings: what exists, its type, its default and its limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from portal.domain.errors import DomainError


class SettingNotValid(DomainError):
    pass


@dataclass(frozen=True)
class SettingDefinition:
    name: str
    label: str
    kind: type
    default: Any
    help: str
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, raw: Any) -> Any:
        """Convert ``raw`` (text from a form or the CLI, or a stored value) or raise SettingNotValid."""
        if self.kind is int:
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise SettingNotValid(f"{self.label} must be a whole number.") from None
            if self.minimum is not None and value < self.minimum:
                raise SettingNotValid(f"{self.label} must be at least {self.minimum}.")
            if self.maximum is not None and value > self.maximum:
                raise SettingNotValid(f"{self.label} must be at most {self.maximum}.")
            return value
        value = str(raw).strip()
        if not value:
            raise SettingNotValid(f"{self.label} cannot be empty.")
        return value


CATALOG: dict[str, SettingDefinition] = {
    definition.name: definition
    for definition in (
        SettingDefinition(
            "commission_holding_days",
            "Commission holding period (days)",
            int,
            14,
            "Pending commissions are approved automatically this many days after the payment.",
            minimum=0,
            maximum=365,
        ),
        SettingDefinition(
            "minimum_payout_minor",
            "Minimum payout (minor units)",
            int,
            1000,
            "The smallest payout an agent may request, in minor units of the wallet's currency "
            "(1000 is 10.00 EUR).",
            minimum=1,
            maximum=100_000_000,
        ),
        SettingDefinition(
            "default_currency", "Default currency", str, "EUR", "Currency proposed for new agents."
        ),
    )
}


class StoredSettings(Protocol):
    def get(self, name: str): ...


def setting_value(stored: StoredSettings, name: str) -> Any:
    """The stored value of a plain setting, or its default."""
    definition = CATALOG[name]
    row = stored.get(name)
    if row is None or row.value is None:
        return definition.default
    return definition.parse(row.value)
