"""Lists over the API: the same keyset pages as the dashboard, with opaque cursors and RFC 8288 ``Link`` headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request, url_for
from pydantic import BaseModel

from portal.api.problems import json_response
from portal.api.schemas.common import PageQuery
from portal.read.pages import Cursor, Page, PageRequest


def page_request(query: PageQuery) -> PageRequest:
    """The page asked for; a cursor this API did not give out is a 400 (``CursorNotValid``)."""
    return PageRequest(per_page=query.limit, cursor=Cursor.decode(query.cursor) if query.cursor else None)


def listing(page: Page[Any], make: Callable[[Any], BaseModel]) -> Response:
    """One page as JSON, with ``Link: <…>; rel="next"`` (and ``prev``) to walk the list."""
    after = page.next_cursor if page.has_next else None
    before = page.previous_cursor if page.has_previous else None
    document = {
        "items": [make(item).model_dump(mode="json") for item in page.items],
        "next_cursor": after,
        "previous_cursor": before,
        "total": page.total,
        "total_is_estimate": page.estimated,
    }
    response = json_response(document)
    links = [f'<{_url_with(cursor)}>; rel="{relation}"' for relation, cursor in (("next", after), ("prev", before))
             if cursor]  # fmt: skip
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def _url_with(cursor: str) -> str:
    values: dict[str, Any] = {name: value for name, value in request.args.items() if name != "cursor"}
    values.update(request.view_args or {}, cursor=cursor)
    return url_for(request.endpoint or "", **values)
