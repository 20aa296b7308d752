"""Reading a paged list through its pages as a person would: following Next to the last page."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import TypeVar

Row = TypeVar("Row")

NEXT_LINK = re.compile(r'<a href="([^"]+)"[^>]*rel="next"')


def follow_next(client, url: str, rows_on: Callable[[str], list[Row]]) -> tuple[list[Row], list[str]]:
    """Every row ``rows_on`` reads on the page at ``url`` and on each page its Next link leads to; and each page."""
    rows: list[Row] = []
    pages: list[str] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, next_url
        body = response.get_data(as_text=True)
        rows += rows_on(body)
        pages.append(body)
        following = NEXT_LINK.search(body)
        next_url = unescape(following.group(1)) if following else None
    return rows, pages
