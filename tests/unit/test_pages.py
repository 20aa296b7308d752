"""A page's place in its list, and the cursors that lead to its neighbours."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.read.pages import MAX_PAGE_NUMBER, MAX_PER_PAGE, Cursor, CursorNotValid, Page


def test_a_page_knows_where_it_sits():
    page = Page(items=[1, 2, 3], per_page=3, position=4, total=8, next_cursor="n", previous_cursor="p")
    assert (page.pages, page.has_previous, page.has_next) == (3, True, True)
    assert (page.first_index, page.last_index) == (4, 6)
    empty = Page(items=[], per_page=25, position=1, total=0)
    assert (empty.pages, empty.has_next, empty.has_previous, empty.first_index) == (1, False, False, 0)
    unknown = Page(items=[1, 2], per_page=25, position=None, total=2_300_000, estimated=True, is_last=True)
    assert unknown.last_index is None, "the last page of an estimated list does not pretend to know its place"


@given(
    st.sampled_from(["next", "previous"]),
    st.lists(st.one_of(st.integers(-(2**63), 2**63 - 1), st.text(max_size=40)), min_size=1, max_size=3),
    st.integers(1, 10**9),
)
def test_a_cursor_reads_back_as_written(direction, key, position):
    assert Cursor.decode(Cursor(direction, tuple(key), position).encode()) == Cursor(direction, tuple(key), position)


def test_a_timestamp_in_a_cursor_travels_as_text():
    moment = datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC)
    assert Cursor.decode(Cursor("next", (moment, 7)).encode()).key == (moment.isoformat(), 7)


def _forged(document) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode()


@pytest.mark.parametrize(
    "text",
    [
        "not base64 at all!",
        "e30",  # {}
        _forged({"d": "sideways", "k": [1], "p": 1}),
        _forged({"d": "next", "k": [], "p": 1}),
        _forged({"d": "next", "k": [1], "p": 0}),
        _forged({"d": "next", "k": [1], "p": "one"}),
        _forged({"d": "next", "k": 5, "p": 1}),
        _forged([1, 2, 3]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_cursor_this_code_did_not_write_is_refused(text):
    with pytest.raises(CursorNotValid):
        Cursor.decode(text)


def test_the_last_page_there_can_be_still_has_a_64_bit_offset():
    assert (MAX_PAGE_NUMBER - 1) * MAX_PER_PAGE <= 2**63 - 1
