"""A CSV download as the answer to a request: audited first, then streamed, never cached.

The audit event (who, which list, which filters, how many rows the list held when it began) is committed before
the first byte leaves, as a revealed secret's is: a download that fails half way was still recorded. Filter text is
masked as audit reasons are, so a search for an e-mail address does not put it in the trail in clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from flask import Response
from flask.globals import request_ctx

from portal.exports import statement_csv
from portal.exports.cells import Column
from portal.exports.streaming import FixedListing, Listing, csv_text
from portal.extensions import db
from portal.models.base import utcnow
from portal.read.agents import AgentProfile
from portal.read.statements import Statement
from portal.security.masking import mask_text
from portal.web.commands import units

EXPORT_ENTITY = "Export"


def end_read_transaction() -> None:
    """Between two batches of a download: no connection or snapshot is held while the client reads."""
    db.session.rollback()


def attachment_name(what: str, agent: AgentProfile | None = None, suffix: str | None = None) -> str:
    """``invoices-2025-01-31.csv``; an agent's records carry its slug (``northwind-invoices-….csv``)."""
    parts = [agent.slug] if agent is not None else []
    parts += [what, suffix or utcnow().date().isoformat()]
    return "-".join(parts) + ".csv"


def record_export(name: str, filters: Mapping[str, Any], listing: Listing, agent: AgentProfile | None) -> None:
    """The download in the audit trail (in the agent's own trail too, when it is one agent's records)."""
    after: dict[str, Any] = {
        "list": name,
        "filters": {key: mask_text(value) if isinstance(value, str) else value for key, value in filters.items()},
        "rows": listing.total,
        "rows_estimated": listing.estimated,
    }
    if agent is not None:
        after["agent_id"] = agent.id
    with units()("export_list") as uow:
        uow.record_event("export", EXPORT_ENTITY, name, after=after)
        uow.commit()


def in_this_request(chunks: Iterable[str]) -> Iterator[str]:
    """``chunks``, each made inside this request's contexts and handed on with them popped.

    Flask's ``stream_with_context`` keeps the contexts pushed while the response waits between two chunks, so a
    request started in that pause (the test client starts one after reading a response's first chunk) would be
    given this one's ``g`` and logged-in user. Here a copy of the request's context (its own ``g`` and database
    session) is pushed only while a chunk is made.
    """
    this_request = request_ctx.copy()
    source = iter(chunks)

    def each_chunk() -> Iterator[str]:
        while True:
            with this_request:
                chunk = next(source, None)
            if chunk is None:
                return
            yield chunk

    return each_chunk()


def csv_response(filename: str, chunks: Iterable[str]) -> Response:
    """``chunks`` streamed as a CSV attachment named ``filename``, kept by no cache."""
    response = Response(in_this_request(chunks), content_type="text/csv; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def csv_download(
    name: str,
    columns: Sequence[Column],
    listing: Listing,
    filename: str,
    filters: Mapping[str, Any] | None = None,
    agent: AgentProfile | None = None,
) -> Response:
    """Every row of ``listing`` as a streamed CSV, the download audited as list ``name`` with ``filters``."""
    record_export(name, filters or {}, listing, agent)
    return csv_response(filename, csv_text(columns, listing.rows()))


def statement_download(area: str, statement: Statement, agent: AgentProfile) -> Response:
    """The agent's statement as CSV (``northwind-statement-2025-01.csv``), audited as list ``<area>.statement``."""
    month = statement.month.key
    listing = FixedListing(tuple(statement_csv.statement_rows(statement)))
    filename = attachment_name("statement", agent, suffix=month)
    return csv_download(f"{area}.statement", statement_csv.COLUMNS, listing, filename, {"month": month}, agent)
