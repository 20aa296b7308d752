from portal.read.pages import MAX_PAGE_NUMBER, MAX_PER_PAGE, Page, PageRequest


def test_page_arithmetic():
    page = Page(items=[1, 2, 3], number=2, per_page=3, total=8)
    assert (page.pages, page.has_previous, page.has_next) == (3, True, True)
    assert (page.first_index, page.last_index) == (4, 6)
    empty = Page(items=[], number=1, per_page=25, total=0)
    assert (empty.pages, empty.has_next, empty.first_index) == (1, False, 0)


def test_the_last_page_there_can_be_still_has_a_64_bit_offset():
    assert PageRequest(MAX_PAGE_NUMBER, MAX_PER_PAGE).offset <= 2**63 - 1
