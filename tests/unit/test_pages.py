import pytest

from portal.repositories.pages import MAX_PER_PAGE, Page, PageRequest


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), ("3", 3), ("-2", 1), ("0", 1), ("x", 1), (7, 7)])
def test_page_numbers_are_clamped_not_errors(raw, number):
    assert PageRequest.parse(raw).number == number


def test_per_page_is_capped():
    assert PageRequest.parse(1, per_page=10_000).per_page == MAX_PER_PAGE


def test_page_arithmetic():
    page = Page(items=[1, 2, 3], number=2, per_page=3, total=8)
    assert (page.pages, page.has_previous, page.has_next) == (3, True, True)
    assert (page.first_index, page.last_index) == (4, 6)
    empty = Page(items=[], number=1, per_page=25, total=0)
    assert (empty.pages, empty.has_next, empty.first_index) == (1, False, 0)
