"""Who made a change, by name: the actor strings stamped on audit events, ledger entries and decisions, read back.

Every change is stamped with its actor as a string (``portal.persistence.context.Actor``): a person ``user:3``, a
job of the system itself ``system:seed`` (``cli``, ``mailer``, ``verify``, ``ledger-guard``), an API token
``token:7 (agent:12)`` or ``token:7 (staff:finance)``, a deployment applying flags as code ``deploy:<revision>``.
A page names every actor it shows with one query (people and tokens together, the same one query whatever the page
holds); a string of another form, or one whose person or token is gone, is still named from the string alone, never
shown as an id to decode.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import ApiToken, User

#: The columns of the read models that hold an actor string (``str(uow.actor)``), wherever a page shows one.
ACTOR_FIELDS = ("actor", "approved_by", "created_by", "decided_by", "recorded_by", "requested_by", "taken_by",
                "updated_by")  # fmt: skip

#: The system's own jobs, as their role reads: "System (seed)", "System (CLI)".
SYSTEM_JOBS = {
    "seed": "seed", "cli": "CLI", "mailer": "e-mail delivery", "verify": "ledger verification",
    "ledger-guard": "ledger guard", "e2e": "end-to-end tests", "test": "tests",
}  # fmt: skip

_PERSON = re.compile(r"user:([0-9]{1,18})")
_TOKEN = re.compile(r"token:([0-9]{1,18}) \((?:agent:[0-9]+|staff:([a-z]+))\)")


@dataclass(frozen=True)
class ActorName:
    """An actor as people read it: ``Ada Admin`` in the role ``admin``; ``raw`` is the stamped string (for filters)."""

    raw: str
    name: str
    role: str = ""

    def __str__(self) -> str:
        """``Ada Admin (admin)``, ``System (seed)``, ``API token ‘CRM sync’ (agent)``."""
        return f"{self.name} ({self.role})" if self.role else self.name


def _token_role(match: re.Match[str]) -> str:
    return match.group(2) or "agent"


def named_from_string(raw: str) -> ActorName:
    """What the string alone says of its actor, for one without a row to read (or a form without one)."""
    kind, _, rest = raw.partition(":")
    if kind == "system":
        return ActorName(raw, "System", SYSTEM_JOBS.get(rest, rest.replace("-", " ")))
    if kind == "deploy":
        return ActorName(raw, f"Deployment {rest}", "flags as code")
    if person := _PERSON.fullmatch(raw):
        return ActorName(raw, f"User #{person.group(1)}")
    if token := _TOKEN.fullmatch(raw):
        return ActorName(raw, f"API token #{token.group(1)}", _token_role(token))
    return ActorName(raw, raw)


@dataclass(frozen=True)
class ActorNames:
    """The actors of a page by their stamped string; one not looked up is named from its string."""

    known: Mapping[str, ActorName] = field(default_factory=dict)

    def of(self, raw: str) -> ActorName:
        return self.known.get(raw) or named_from_string(raw)

    def __contains__(self, raw: object) -> bool:
        return raw in self.known

    def __or__(self, other: ActorNames) -> ActorNames:
        return ActorNames({**self.known, **other.known})


def actor_strings(rows: Iterable[object]) -> set[str]:
    """Every actor string on ``rows`` (read-model dataclasses): in whichever of ``ACTOR_FIELDS`` they have, and
    in ``mentioned_actors`` for a row that shows actors elsewhere (an audit entry's fields)."""
    found: set[str] = set()
    for row in rows:
        for name in ACTOR_FIELDS:
            value = getattr(row, name, None)
            if isinstance(value, str) and value:
                found.add(value)
        found.update(getattr(row, "mentioned_actors", ()))
    return found


class ActorDirectory:
    """Names for actor strings: the people and tokens among them read in one query (always one, so that a page
    costs the same whoever is on it), the others named from their string."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def names(self, raws: Iterable[str]) -> ActorNames:
        """Who each of the actor strings ``raws`` is."""
        people: dict[int, list[str]] = {}
        tokens: dict[int, list[tuple[str, str]]] = {}
        names = {}
        for raw in set(raws):
            names[raw] = named_from_string(raw)
            if person := _PERSON.fullmatch(raw):
                people.setdefault(int(person.group(1)), []).append(raw)
            elif token := _TOKEN.fullmatch(raw):
                tokens.setdefault(int(token.group(1)), []).append((raw, _token_role(token)))
        statement = sa.union_all(
            sa.select(sa.literal("user").label("kind"), User.id, User.full_name.label("name"), User.role)
            .where(User.id.in_(people)),
            sa.select(sa.literal("token").label("kind"), ApiToken.id, ApiToken.name, ApiToken.owner_role)
            .where(ApiToken.id.in_(tokens)),
        )  # fmt: skip
        for kind, row_id, name, role in self.session.execute(statement):
            if kind == "user":
                names.update({raw: ActorName(raw, name, role) for raw in people[row_id]})
            else:
                names.update({raw: ActorName(raw, f"API token ‘{name}’", owner) for raw, owner in tokens[row_id]})
        return ActorNames(names)
