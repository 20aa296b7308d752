"""SQL pieces the read repositories share: a portable UTC day, and LIKE patterns that match text literally."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class utc_day(FunctionElement):
    """The UTC calendar day of a timestamp, as ``YYYY-MM-DD`` text, on SQLite and PostgreSQL."""

    type = sa.String()
    inherit_cache = True


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw):
    return f"to_char(timezone('UTC', {compiler.process(element.clauses, **kw)}), 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)})"


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column, text: str) -> sa.ColumnElement[bool]:
    """``column`` holds ``text`` (case-folded by the caller), wildcards taken literally."""
    return column.like("%" + escape_like(text) + "%", escape="\\")
