"""Query strings become typed filters in the web layer; hostile input falls back to defaults and never raises."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from portal.models.billing import InvoiceStatus
from portal.models.commission import CommissionStatus
from portal.models.ledger_rules import LedgerKind
from portal.read.agents import AgentFilters
from portal.read.audit import AuditFilters
from portal.read.invoices import InvoiceFilters
from portal.read.overview import MAX_RANGE_DAYS, DateRange
from portal.read.pages import MAX_CURSOR_LENGTH, MAX_PAGE_NUMBER, MAX_PER_PAGE, Cursor, PageRequest
from portal.web.queries import (
    FIRST_DAY,
    LAST_DAY,
    agent_filters,
    audit_filters,
    choice,
    currency,
    date_range,
    day,
    identifier,
    identifiers,
    invoice_filters,
    page_request,
    query_args,
    sort_args,
)

TODAY = date(2025, 6, 15)
HOSTILE = (
    "",
    " ",
    "\x00",
    "1\x00",
    "²",
    "١٢",  # Arabic-Indic digits: int() reads them, a URL should not
    "１２",  # full-width digits
    "1_000",
    "+5",
    "-3",
    " 7 ",
    "0x10",
    "1e3",
    "9" * 19,
    "9" * 25,
    "9" * 5000,  # past int()'s 4,300-digit limit
    str(2**63),
    "9999-12-31",
    "NaN",
    "<script>",
)


def args(**values) -> MultiDict:
    return MultiDict(values)


@pytest.mark.parametrize(("raw", "number"), [("", None), ("3", 3), ("-2", 1), ("0", 1), ("x", 1), ("07", 7)])
def test_page_numbers_are_read_or_fall_back_to_the_first(raw, number):
    assert page_request(args(page=raw)).number == number
    first = page_request(args())
    assert first.number is None and first.cursor is None, "no page asked for: the first, by keyset"


def test_a_cursor_is_read_and_wins_over_a_page_number():
    cursor = Cursor("next", ("acme", 12), 26)
    request = page_request(args(cursor=cursor.encode(), page="3"))
    assert request.cursor == cursor and request.number is None and not request.cursor_refused


@pytest.mark.parametrize("raw", ["junk!", "e30", "A" * (MAX_CURSOR_LENGTH + 50), "\x00", Cursor("up", (1,)).encode()])
def test_a_cursor_that_cannot_be_read_asks_for_the_first_page_and_says_so(raw):
    request = page_request(args(cursor=raw))
    assert request.cursor is None and request.cursor_refused and request.number is None


@pytest.mark.parametrize("raw", ["9" * 18, "9" * 19, str(2**63), "9" * 25, "9" * 5000])
def test_page_numbers_too_large_for_an_offset_are_the_last_possible_page(raw):
    page = page_request(args(page=raw), per_page=MAX_PER_PAGE)
    assert page.number == MAX_PAGE_NUMBER and (page.number - 1) * page.per_page <= 2**63 - 1


def test_per_page_is_capped():
    assert page_request(args(), per_page=10_000).per_page == MAX_PER_PAGE
    assert page_request(args(), per_page=0).per_page == 1


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_page_numbers_never_raise(raw):
    page = page_request(args(page=raw))
    assert isinstance(page, PageRequest) and (page.number is None if raw == "" else 1 <= page.number <= MAX_PAGE_NUMBER)
    assert page_request(args(cursor=raw)).cursor_refused == (raw != "")


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("42", 42), (str(2**31 - 1), 2**31 - 1), (str(2**31), None)])
def test_ids_are_plain_ascii_numbers_an_id_column_can_hold(raw, expected):
    assert identifier(raw) == expected


@pytest.mark.parametrize("raw", [*HOSTILE, None, "0", "00"])
def test_anything_else_is_no_id(raw):
    assert identifier(raw) is None


def test_a_list_of_ids_keeps_the_readable_ones_up_to_a_limit():
    assert identifiers(["3", "²", "x", "4", str(2**64), "5"], limit=2) == [3, 4]


@pytest.mark.parametrize(("raw", "expected"), [("2025-01-31", date(2025, 1, 31)), ("2024-02-29", date(2024, 2, 29))])
def test_days_are_iso_dates(raw, expected):
    assert day(raw) == expected


@pytest.mark.parametrize("raw", [*HOSTILE, None, "2025-02-30", "20250131", "2025-1-31", "0001-01-01", "9999-12-30x"])
def test_anything_else_is_no_day(raw):
    assert day(raw) is None


def test_the_last_and_first_days_leave_room_for_the_arithmetic_the_read_side_does():
    assert day(LAST_DAY.isoformat()) == LAST_DAY and day(FIRST_DAY.isoformat()) == FIRST_DAY
    for edge in (LAST_DAY, FIRST_DAY):
        period = date_range(args(**{"from": edge.isoformat(), "to": edge.isoformat()}), TODAY)
        assert period.upper > period.lower
    earliest = date_range(args(to=FIRST_DAY.isoformat()), TODAY)
    assert earliest.start <= earliest.end == FIRST_DAY


def test_a_date_range_defaults_to_the_last_30_days_and_is_never_backwards_or_over_a_year():
    assert date_range(args(), TODAY) == DateRange(date(2025, 5, 17), TODAY)
    assert date_range(args(**{"from": "2030-01-01", "to": "2020-01-01"}), TODAY).start == date(2029, 1, 1)
    long = date_range(args(**{"from": "2000-01-01", "to": "2025-06-15"}), TODAY)
    assert (long.end - long.start).days == MAX_RANGE_DAYS - 1


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_dates_fall_back_to_the_default_range(raw):
    assert date_range(args(**{"from": raw, "to": raw}), TODAY) == date_range(args(), TODAY)
    assert audit_filters(args(since=raw, until=raw)) == AuditFilters()


def test_choices_are_returned_as_the_choice_itself_or_the_default():
    assert choice(args(kind="payout_hold"), "kind", tuple(LedgerKind)) is LedgerKind.PAYOUT_HOLD
    assert choice(args(kind="payout_hold\x00"), "kind", tuple(LedgerKind)) is None
    assert choice(args(), "status", tuple(CommissionStatus), CommissionStatus.PENDING) is CommissionStatus.PENDING


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_filters_fall_back_to_defaults(raw):
    agents = agent_filters(args(q=raw, status=raw, sort=raw, dir=raw))
    assert (agents.status, agents.sort, agents.descending) == ("", "name", False)
    invoices = invoice_filters(args(status=raw, agent=raw, q=raw))
    assert (invoices.status, invoices.agent_id) == ("", None)
    assert currency(args(currency=raw)) is None


def test_text_loses_control_characters_and_is_cut():
    filters = agent_filters(args(q=" North\x00wind\u202e " + "x" * 500))
    assert filters.search.startswith("Northwind") and "\x00" not in filters.search and len(filters.search) == 100
    assert audit_filters(args(actor="user:3\x00")).actor == "user:3"


def test_filters_are_read_from_the_query():
    assert agent_filters(args(q="zeph", status="suspended", sort="earned", dir="desc")) == AgentFilters(
        "zeph", "suspended", "earned", True
    )
    assert invoice_filters(args(status="paid", agent="7", q="acme")) == InvoiceFilters(InvoiceStatus.PAID, 7, "acme")
    assert currency(args(currency="EUR")) == "EUR" and currency(args(currency="eur")) is None


def test_links_carry_the_filters_back_and_drop_what_is_empty():
    filters = AgentFilters(search="zeph", sort="collected", descending=True)
    assert query_args(filters) == {"q": "zeph", "sort": "collected", "dir": "desc"}
    assert query_args(filters, page=2) == {"q": "zeph", "sort": "collected", "dir": "desc", "page": 2}
    assert query_args(InvoiceFilters(agent_id=7)) == {"agent": 7}
    assert query_args(AuditFilters(since=date(2025, 1, 2))) == {"since": "2025-01-02"}
    with pytest.raises(TypeError):
        query_args(object())


def test_a_column_header_flips_its_own_direction_and_starts_a_new_one_sensibly():
    by_name = AgentFilters()
    assert sort_args(by_name, "name") == {"sort": "name", "dir": "desc"}
    assert sort_args(by_name, "collected") == {"sort": "collected", "dir": "desc"}
    assert sort_args(AgentFilters(sort="collected", descending=True), "collected") == {"sort": "collected"}


def _as_query(values: dict) -> MultiDict:
    return MultiDict({key: str(value) for key, value in values.items()})


@given(st.text())
def test_text_never_keeps_control_characters_or_outer_spaces(raw):
    search = agent_filters(args(q=raw)).search
    assert len(search) <= 100 and search == search.strip()
    assert not any(unicodedata.category(ch).startswith("C") for ch in search)


@given(
    search=st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=100),
    status=st.sampled_from(["", "active", "suspended"]),
    sort=st.sampled_from(["name", "collected", "outstanding", "earned", "available", "last_payment"]),
    descending=st.booleans(),
)
def test_agent_filters_survive_a_round_trip_through_a_link(search, status, sort, descending):
    filters = AgentFilters(search.strip(), status, sort, descending)
    assert agent_filters(_as_query(query_args(filters))) == filters


@given(
    since=st.dates(FIRST_DAY, LAST_DAY) | st.none(),
    until=st.dates(FIRST_DAY, LAST_DAY) | st.none(),
    actor=st.text(st.characters(codec="ascii", categories=("L", "N")), max_size=20),
)
def test_audit_filters_survive_a_round_trip_through_a_link(since, until, actor):
    filters = AuditFilters(actor=actor, since=since, until=until)
    assert audit_filters(_as_query(query_args(filters))) == filters


@given(
    st.dictionaries(
        st.sampled_from(["page", "cursor", "q", "status", "sort", "dir", "agent", "from", "to", "since"]), st.text()
    )
)
def test_no_query_string_makes_parsing_raise(values):
    query = MultiDict(values)
    page_request(query)
    agent_filters(query)
    invoice_filters(query)
    audit_filters(query)
    currency(query)
    period = date_range(query, TODAY)
    assert period.start <= period.end and (period.end - period.start).days < MAX_RANGE_DAYS
    assert period.upper > period.lower
