"""Input no page can use is refused before any view runs: ids that no row can have, NUL characters.

Path ids are ASCII digits from 1 to 2**31 - 1 (the ``int`` converter), so a larger
one, or one in other scripts' digits, is simply not found. A NUL character in the
path, a query string or a form field cannot be stored (PostgreSQL refuses it in text):
the request is refused with a message that says so, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from portal.domain.errors import DomainError
from portal.models.base import MAX_ROW_ID


class BadInput(DomainError):
    http_status = 400


class IdConverter(IntegerConverter):
    """A row id in a path; anything else does not match the route (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def install_input_guard(app: Flask) -> None:
    """Before the blueprints: the converter applies to every ``<int:…>`` route added after it."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def _refuse_nul_characters() -> None:
        sent = [*request.args.lists(), *(request.form.lists() if request.method in ("POST", "PUT", "PATCH") else ())]
        in_path = "\x00" in request.path
        if in_path or any("\x00" in name or any("\x00" in value for value in values) for name, values in sent):
            raise BadInput("Text with a NUL character cannot be stored: remove it and try again.")
