"""Every long list is cut by keyset: walked forwards and backwards it gives each row once, in order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal.models import AgentFinancialSummary, WalletTransaction
from portal.read import pages
from portal.read.agents import AGENT_SORTS, AgentFilters, AgentReadRepository
from portal.read.audit import AuditFilters, AuditReadRepository
from portal.read.ledger import WalletLedgerReadRepository
from portal.read.pages import Cursor, PageRequest, last_cursor
from portal.seed.scale import Depth, load_scale_data

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def walk(read, per_page: int) -> tuple[list, list]:
    """Every page from the first by Next, then every page from the last by Previous."""
    forwards, page = [], read(PageRequest(per_page=per_page))
    while True:
        forwards.extend(page.items)
        if not page.has_next:
            break
        page = read(PageRequest(per_page=per_page, cursor=Cursor.decode(page.next_cursor)))
    backwards, page = [], read(PageRequest(per_page=per_page, cursor=Cursor.decode(last_cursor())))
    while True:
        backwards[:0] = page.items
        if not page.has_previous:
            break
        page = read(PageRequest(per_page=per_page, cursor=Cursor.decode(page.previous_cursor)))
    return forwards, backwards


@pytest.fixture
def agents(db_session):
    load_scale_data(db_session, 23, seed=11)
    # Some agents never paid, so that the "last payment" sort meets the missing value.
    db_session.execute(
        sa.update(AgentFinancialSummary).where(AgentFinancialSummary.agent_id % 4 == 0).values(last_payment_at=None)
    )
    return AgentReadRepository(db_session)


def _sort_value(item, sort: str):
    return {
        "name": item.name.lower(), "last_payment": item.last_payment_at or NEVER,
        "collected": item.collected_minor, "outstanding": item.outstanding_minor,
        "earned": item.commissions_earned_minor, "available": item.wallet_available_minor,
        "held": item.wallet_held_minor,
    }[sort]  # fmt: skip


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", AGENT_SORTS)
def test_the_agents_list_walks_in_order_by_every_sort(agents, sort, descending):
    filters = AgentFilters(sort=sort, descending=descending)
    forwards, backwards = walk(lambda request: agents.page(request, filters), per_page=4)
    expected = sorted(forwards, key=lambda item: (_sort_value(item, sort), item.id), reverse=descending)
    assert [a.id for a in forwards] == [a.id for a in expected], "in order, ties broken by id"
    assert len({a.id for a in forwards}) == 23, "every agent once"
    assert [a.id for a in backwards] == [a.id for a in forwards], "the same list read from its end"


def test_a_page_says_where_it_is_in_the_list(agents):
    first = agents.page(PageRequest(per_page=5))
    assert (first.first_index, first.last_index, first.total, first.has_previous) == (1, 5, 23, False)
    second = agents.page(PageRequest(per_page=5, cursor=Cursor.decode(first.next_cursor)))
    assert (second.first_index, second.last_index) == (6, 10)
    last = agents.page(PageRequest(per_page=5, cursor=Cursor.decode(last_cursor())))
    assert (last.first_index, last.last_index, last.has_next, last.is_last) == (19, 23, False, True)
    before_last = agents.page(PageRequest(per_page=5, cursor=Cursor.decode(last.previous_cursor)))
    assert (before_last.first_index, before_last.last_index) == (14, 18)


def test_a_cursor_from_another_list_or_of_the_wrong_types_shows_the_first_page(agents):
    for key in [("not", "three", "keys"), (12,), ("x", "y")]:
        page = agents.page(PageRequest(per_page=5, cursor=Cursor("next", key, 6)))
        assert page.cursor_refused and page.first_index == 1, key
    huge = agents.page(PageRequest(per_page=5), AgentFilters(sort="collected"))
    beyond = agents.page(PageRequest(per_page=5, cursor=Cursor("next", (2**70, 1), 6)), AgentFilters(sort="collected"))
    assert beyond.cursor_refused and [a.id for a in beyond.items] == [a.id for a in huge.items]


def test_a_deep_ledger_and_audit_trail_walk_whole(db_session):
    load_scale_data(db_session, 2, seed=3, depth=Depth(ledger_per_agent=31))
    agent_id = db_session.scalar(sa.select(sa.func.min(WalletTransaction.agent_id)))
    ledger = WalletLedgerReadRepository(db_session)
    forwards, backwards = walk(lambda request: ledger.page(agent_id, request), per_page=7)
    ids = [entry.id for entry in forwards]
    assert ids == sorted(ids, reverse=True) and len(ids) >= 31 and backwards == forwards
    audit = AuditReadRepository(db_session)
    forwards, backwards = walk(lambda request: audit.page(request, AuditFilters()), per_page=50)
    seqs = [event.seq for event in forwards]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs) == seqs[0]
    assert [event.seq for event in backwards] == seqs


def test_a_long_list_on_postgresql_is_estimated_not_counted(db_session, monkeypatch):
    load_scale_data(db_session, 2, seed=3, depth=Depth(ledger_per_agent=40))
    monkeypatch.setattr(pages, "EXACT_UP_TO", 20)
    page = AuditReadRepository(db_session).page(PageRequest(per_page=10), AuditFilters())
    exact = db_session.scalar(sa.select(sa.func.count()).select_from(sa.table("audit_event")))
    if db_session.get_bind().dialect.name == "postgresql":
        assert page.estimated and page.total > 20, "beyond the exact limit, the planner's estimate"
    else:
        assert not page.estimated and page.total == exact
    audit = AuditReadRepository(db_session)
    while page.has_next:
        page = audit.page(PageRequest(per_page=10, cursor=Cursor.decode(page.next_cursor)), AuditFilters())
    assert not page.estimated and page.total == exact, "at the end of the list the count is known, and said"
    small = AuditReadRepository(db_session).page(PageRequest(per_page=10), AuditFilters(entity_type="Agent"))
    assert not small.estimated and small.total == 2, "a short list is counted exactly"


def test_lists_counted_on_their_own_table_count_what_they_list(db_session):
    from portal.models.billing import InvoiceStatus
    from portal.models.commission import CommissionStatus
    from portal.read.commissions import CommissionReadRepository
    from portal.read.invoices import InvoiceFilters, InvoiceReadRepository
    from portal.read.payments import PaymentReadRepository

    load_scale_data(db_session, 6, seed=4)
    agent_id = db_session.scalar(sa.select(sa.func.min(WalletTransaction.agent_id)))
    reads = [
        lambda request: PaymentReadRepository(db_session).page_for_agent(agent_id, request),
        lambda request: InvoiceReadRepository(db_session).page(request, InvoiceFilters()),
        lambda request: InvoiceReadRepository(db_session).page(request, InvoiceFilters(status=InvoiceStatus.PAID)),
        lambda request: CommissionReadRepository(db_session).page(request),
        lambda request: CommissionReadRepository(db_session).page(request, CommissionStatus.CREDITED),
    ]
    for read in reads:
        forwards, backwards = walk(read, per_page=4)
        first = read(PageRequest(per_page=4))
        assert first.total == len(forwards) == len(backwards) > 1
