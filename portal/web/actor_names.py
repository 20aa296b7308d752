"""Actors by name in any template: ``{{ row.decided_by | actor }}`` reads "Ada Admin (admin)", never ``user:2``.

A view names the actors of the rows it shows with one call, ``name_actors(page.items)``: every actor string on them
(the columns in ``portal.read.actors.ACTOR_FIELDS``) is read in one query, the same one whoever they are, and kept
for the request, so the filter only looks names up, inside any macro. An actor no view named is shown from its
string alone ("User #7"), never with a query of its own: a view that forgets costs a name, not a query per row.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context

from portal import data_access
from portal.read.actors import ActorNames, actor_strings


def _named() -> ActorNames:
    names: ActorNames = g.get("actor_names") or ActorNames()
    return names


def name_actors(*row_groups: Iterable[object]) -> None:
    """Read who every actor on ``row_groups`` is, in one query, for the ``actor`` filter of this request."""
    known = _named()
    wanted = {raw for rows in row_groups for raw in actor_strings(rows) if raw not in known}
    g.actor_names = known | data_access.actor_names(wanted)


def actor_label(raw: str | None) -> str:
    """The ``actor`` filter: ``user:1`` as "Ada Admin (admin)", ``system:seed`` as "System (seed)", nothing as —."""
    if not raw:
        return "—"
    names = _named() if has_request_context() else ActorNames()
    return str(names.of(raw))
