"""Who runs a command, for which request: stamped on every audit event and ledger entry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who a change is made by: a user, or the system itself."""

    kind: str
    identifier: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.identifier}"

    @classmethod
    def user(cls, user_id: int) -> Actor:
        return cls("user", str(user_id))

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls("system", name)


@dataclass(frozen=True)
class CommandContext:
    """The actor and the request a unit of work runs for; built once per request, CLI run or job."""

    actor: Actor
    correlation_id: str | None = None
    request_ip: str | None = None


class UnitOfWorkError(RuntimeError):
    """The unit of work was used in a way that could lose or leak changes."""
