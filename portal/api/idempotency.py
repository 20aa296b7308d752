"""``Idempotency-Key`` on every POST: the first successful answer is kept and replayed.

Keys are scoped per token owner (``agent:12``, ``staff:finance``). The key also
names the commands the request runs (``command_key``), so the command runner's
exactly-once holds even when two requests with one key race, or the answer was
lost between the command's commit and its storing here: the second asks the
runner again, which replays its stored result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, g, make_response, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from portal.api.principal import principal
from portal.api.problems import json_response, problem
from portal.extensions import db
from portal.models import ApiIdempotencyRecord
from portal.observability.cohort import current_cohort
from portal.observability.metrics import IDEMPOTENCY_REPLAYS

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


class IdempotencyHeaders(BaseModel):
    """The headers of every POST."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    idempotency_key: str = Field(
        alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[!-~]+$",
        description="A key of your choosing (a UUID, say), one per change; sending the same request again with it "
        "answers the first result instead of changing anything twice.",
    )  # fmt: skip


def command_key(suffix: str = "") -> str:
    """The idempotency key of the command this request runs (``suffix`` tells apart several in one request)."""
    return g.command_key + (f"-{suffix}" if suffix else "")


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    document = {"method": request.method, "path": request.path, "query": sorted(request.args.items(multi=True)),
                "body": body}  # fmt: skip
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def idempotent(view: Callable) -> Callable:
    @wraps(view)
    def once(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "")
        owner = principal().owner
        fingerprint = _fingerprint()
        stored = db.session.get(ApiIdempotencyRecord, (owner, key))
        if stored is not None:
            return _replay(stored, fingerprint)
        g.command_key = "api:" + hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()[:40]
        response = make_response(view(*args, **kwargs))
        if 200 <= response.status_code < 300:
            response = _store(owner, key, fingerprint, response)
        return response

    return once


def _store(owner: str, key: str, fingerprint: str, response: Response) -> Response:
    record = ApiIdempotencyRecord(
        owner=owner, key=key, request_hash=fingerprint, status=response.status_code,
        body=response.get_json(silent=True), location=response.headers.get("Location"),
    )  # fmt: skip
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request with this key stored its answer first: answer that one.
        db.session.rollback()
        first = db.session.get(ApiIdempotencyRecord, (owner, key))
        if first is None:
            raise
        return _replay(first, fingerprint)
    return response


def _replay(stored: ApiIdempotencyRecord, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        abort(problem(409, f"This {HEADER} was used for a different request; send this one with a new key.",
                      slug="idempotency-key-reused"))  # fmt: skip
    response = json_response(stored.body, stored.status)
    response.headers[REPLAYED] = "true"
    IDEMPOTENCY_REPLAYS.labels("api", current_cohort()).inc()
    if stored.location:
        response.headers["Location"] = stored.location
    return response


def answer(model: BaseModel, status: int = 200, *, location: str | None = None, replayed: bool = False) -> Response:
    """A resource as JSON; ``replayed`` when the command it comes from had run already for this key."""
    # The same serializer as a replay's, so the first answer and its replays are the same bytes.
    response = json_response(model.model_dump(mode="json"), status)
    if location:
        response.headers["Location"] = location
    if replayed:
        response.headers[REPLAYED] = "true"
    return response
