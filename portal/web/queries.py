"""Query strings read into the typed values the read side takes, and written back into links.

Reading never raises, whatever arrives: a choice that is not offered falls back to its default; an id that is not
plain ASCII digits within a 64-bit integer counts as absent, and so does a page number that is not digits (one too
large for any offset is the last page there can be); a day that is not an ISO date (``2025-01-31``), or that the
read side could not add a day to or take a year from, counts as absent. Text loses control and format characters and
is cut to a fixed length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import singledispatch
from typing import TypeVar, overload

from portal.models.agent import AGENT_STATUSES
from portal.models.base import MAX_ROW_ID
from portal.read.agents import AGENT_SORTS, AgentFilters
from portal.read.audit import AuditFilters
from portal.read.invoices import INVOICE_LIST_FILTERS, InvoiceFilters
from portal.read.overview import MAX_RANGE_DAYS, DateRange
from portal.read.pages import MAX_CURSOR_LENGTH, MAX_PAGE_NUMBER, MAX_PER_PAGE, Cursor, CursorNotValid, PageRequest

Args = Mapping[str, str]

MAX_SEARCH = 100
MAX_TEXT = 128
MAX_ID = MAX_ROW_ID
DEFAULT_DAYS = 30
#: the days whose neighbours (a day after, a range before) are still dates
FIRST_DAY = date.min + timedelta(days=MAX_RANGE_DAYS)
LAST_DAY = date.max - timedelta(days=1)

_DIGITS = re.compile(r"[0-9]+")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")


S = TypeVar("S", bound=str)


def text(args: Args, name: str, limit: int = MAX_TEXT) -> str:
    """The argument without control or format characters (NUL, direction marks) or outer spaces, cut to ``limit``."""
    visible = "".join(ch for ch in args.get(name, "") if not unicodedata.category(ch).startswith("C"))
    return visible.strip()[:limit].strip()


@overload
def choice(args: Args, name: str, choices: Sequence[S], default: S) -> S: ...


@overload
def choice(args: Args, name: str, choices: Sequence[S], default: None = None) -> S | None: ...


def choice(args: Args, name: str, choices: Sequence[S], default: S | None = None) -> S | None:
    """The choice the argument names (the choice itself, e.g. an enum member), else ``default``."""
    value = args.get(name, "")
    return next((offered for offered in choices if offered == value), default)


def identifier(value: str | None) -> int | None:
    """A row id: ASCII digits from 1 to the largest id a row can have; anything else is None."""
    if value is None or not _DIGITS.fullmatch(value) or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def identifiers(values: Iterable[str], limit: int) -> list[int]:
    """The readable ids among ``values``, in order, at most ``limit`` of them."""
    return [number for number in map(identifier, values) if number is not None][:limit]


def page_request(args: Args, per_page: int = 25) -> PageRequest:
    """The page to show: ``cursor`` (the pager's links), else ``page`` (a number, from an old link), else the first.

    A cursor that cannot be read shows the first page, saying so; a page number is
    page 1 unless it is ASCII digits, and beyond the last page it is the last page.
    """
    size = max(1, min(per_page, MAX_PER_PAGE))
    cursor = args.get("cursor", "")
    if cursor:
        try:
            return PageRequest(per_page=size, cursor=Cursor.decode(cursor[:MAX_CURSOR_LENGTH]))
        except CursorNotValid:
            return PageRequest(per_page=size, cursor_refused=True)
    raw = args.get("page", "")
    if not raw:
        return PageRequest(per_page=size)
    number = 1
    if _DIGITS.fullmatch(raw):
        number = MAX_PAGE_NUMBER if len(raw) > len(str(MAX_PAGE_NUMBER)) else int(raw)
    return PageRequest(min(max(1, number), MAX_PAGE_NUMBER), size)


def day(value: str | None) -> date | None:
    """An ISO day between ``FIRST_DAY`` and ``LAST_DAY``; anything else is None."""
    if value is None or not _ISO_DAY.fullmatch(value):
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if FIRST_DAY <= parsed <= LAST_DAY else None


def currency(args: Args, name: str = "currency") -> str | None:
    """A currency code (three capital letters), else None."""
    value = args.get(name, "")
    return value if _CURRENCY.fullmatch(value) else None


def date_range(args: Args, today: date) -> DateRange:
    """``from``/``to``: by default the last 30 days to ``today``; never backwards, never over ``MAX_RANGE_DAYS``."""
    end = day(args.get("to")) or today
    start = day(args.get("from")) or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    return DateRange(max(start, end - timedelta(days=MAX_RANGE_DAYS - 1)), end)


def agent_filters(args: Args) -> AgentFilters:
    """``q``, ``status``, ``sort`` and ``dir`` of the agent list."""
    return AgentFilters(
        search=text(args, "q", MAX_SEARCH),
        status=choice(args, "status", AGENT_STATUSES, ""),
        sort=choice(args, "sort", AGENT_SORTS, "name"),
        descending=args.get("dir") == "desc",
    )


def invoice_filters(args: Args) -> InvoiceFilters:
    """``status`` (or ``overdue``), ``agent`` (an id) and ``q`` of an invoice list."""
    return InvoiceFilters(
        status=choice(args, "status", INVOICE_LIST_FILTERS, ""),
        agent_id=identifier(args.get("agent")),
        search=text(args, "q", MAX_SEARCH),
    )


def audit_filters(args: Args) -> AuditFilters:
    """The audit trail's filters: exact values, and ``since``/``until`` days."""
    return AuditFilters(
        entity_type=text(args, "entity_type"),
        entity_id=text(args, "entity_id"),
        actor=text(args, "actor"),
        action=text(args, "action"),
        correlation_id=text(args, "correlation_id"),
        since=day(args.get("since")),
        until=day(args.get("until")),
    )


def _present(values: dict) -> dict:
    return {key: value for key, value in values.items() if value}


@singledispatch
def query_args(filters, **changes) -> dict:
    """The query arguments that show ``filters`` again, with ``changes``; empty ones are left out (template global)."""
    raise TypeError(f"no query arguments for {type(filters).__name__}")


@query_args.register
def _agent_query_args(filters: AgentFilters, **changes) -> dict:
    descending = "desc" if filters.descending else ""
    return _present({"q": filters.search, "status": filters.status, "sort": filters.sort, "dir": descending, **changes})


@query_args.register
def _invoice_query_args(filters: InvoiceFilters, **changes) -> dict:
    return _present({"status": filters.status, "agent": filters.agent_id, "q": filters.search, **changes})


@query_args.register
def _audit_query_args(filters: AuditFilters, **changes) -> dict:
    return _present(
        {
            "entity_type": filters.entity_type,
            "entity_id": filters.entity_id,
            "actor": filters.actor,
            "action": filters.action,
            "correlation_id": filters.correlation_id,
            "since": filters.since.isoformat() if filters.since else "",
            "until": filters.until.isoformat() if filters.until else "",
            **changes,
        }
    )


def sort_args(filters: AgentFilters, key: str) -> dict:
    """The link of a column header: the same column flips direction, another starts sensibly (template global)."""
    descending = not filters.descending if key == filters.sort else key != "name"
    return query_args(filters, sort=key, dir="desc" if descending else "", page="")
