"""The wallet-lines read model on SQLite and PostgreSQL: a line's balances do not depend on the page it is on.

A payout's line folds in its later debit or release, so the balances after a line are not the ledger's stored
ones whenever a payout was settled lines later; a page reads only the settlements that matter to it. These
tests walk an agent's random history page by page, at every page size, forwards, backwards and by number.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models import WalletTransaction
from portal.models.wallet import PayoutStatus
from portal.read.pages import Cursor, PageRequest
from portal.read.wallet_lines import LineKind, WalletLine, WalletLinesReadRepository
from tests.support.busy_wallet import BusyAgent, balance_of, busy_agent
from tests.support.money import MoneyWorld

#: what a payout does to the wallet, available and held, once it is in each status
EFFECT_NOW = {
    PayoutStatus.REQUESTED: lambda amount: (-amount, amount),
    PayoutStatus.APPROVED: lambda amount: (-amount, 0),
    PayoutStatus.PAID: lambda amount: (-amount, 0),
    PayoutStatus.REJECTED: lambda amount: (0, 0),
    PayoutStatus.CANCELLED: lambda amount: (0, 0),
}


@pytest.fixture(params=[16, 1602], ids=lambda seed: f"seed-{seed}")
def busy(db_session, request) -> BusyAgent:
    return busy_agent(MoneyWorld(db_session), request.param)


def lines_of(session, agent_id: int, currency: str, per_page: int) -> list[WalletLine]:
    """Every line of the wallet, page after page through the cursors, ``per_page`` at a time."""
    repository, request, lines = WalletLinesReadRepository(session), PageRequest(per_page=per_page), []
    while True:
        page = repository.page(agent_id, currency, request)
        lines += page.items
        if not page.next_cursor:
            return lines
        request = PageRequest(per_page=per_page, cursor=Cursor.decode(page.next_cursor))


def queries_of(session, read) -> int:
    """How many statements ``read()`` sends."""
    statements: list[str] = []

    def counted(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    bind = session.get_bind()
    sa.event.listen(bind, "before_cursor_execute", counted)
    try:
        read()
    finally:
        sa.event.remove(bind, "before_cursor_execute", counted)
    return len(statements)


def lines_backwards(session, agent_id: int, per_page: int) -> list[WalletLine]:
    """Every line, from the last page back to the first through the Previous cursors."""
    repository = WalletLinesReadRepository(session)
    request, pages = PageRequest(per_page=per_page, cursor=Cursor.decode(Cursor("last").encode())), []
    while True:
        page = repository.page(agent_id, "EUR", request)
        pages.insert(0, page.items)
        if not page.previous_cursor:
            return [line for items in pages for line in items]
        request = PageRequest(per_page=per_page, cursor=Cursor.decode(page.previous_cursor))


def lines_by_number(session, agent_id: int, per_page: int) -> list[WalletLine]:
    """Every line, asking for pages 1, 2, 3… by number (old links)."""
    repository, lines, number = WalletLinesReadRepository(session), [], 1
    while True:
        page = repository.page(agent_id, "EUR", PageRequest(number=number, per_page=per_page))
        lines += page.items
        if page.is_last:
            return lines
        number += 1


def assert_adds_up(lines: list[WalletLine], balance: tuple[int, int]) -> None:
    """Newest first: from zero, each line is the one below it plus its own changes, up to the wallet's balance."""
    available = held = 0
    for line in reversed(lines):
        available, held = available + line.available_change_minor, held + line.held_change_minor
        assert (line.available_after_minor, line.held_after_minor) == (available, held), line
    assert (available, held) == balance


def assert_payouts_show_their_effect_now(lines: list[WalletLine]) -> None:
    payouts = [line for line in lines if line.kind is LineKind.PAYOUT]
    assert {line.payout.status for line in payouts if line.payout} == set(PayoutStatus)
    for line in payouts:
        assert line.payout is not None and line.title == "Payout"
        expected = EFFECT_NOW[line.payout.status](line.payout.amount_minor)
        assert (line.available_change_minor, line.held_change_minor) == expected, line


def test_a_busy_wallets_lines_add_up_on_any_page_however_it_is_reached_at_one_cost(db_session, busy):
    whole = lines_of(db_session, busy.agent_id, "EUR", 100)
    assert len(whole) > 75, "a history long enough to run over pages"
    assert_adds_up(whole, balance_of(db_session, busy.agent_id))
    assert_payouts_show_their_effect_now(whole)
    for per_page in (1, 3, 7, 25):
        assert lines_of(db_session, busy.agent_id, "EUR", per_page) == whole, f"forwards, {per_page} a page"
    for per_page in (4, 25):
        assert lines_backwards(db_session, busy.agent_id, per_page) == whole, f"backwards, {per_page} a page"
        assert lines_by_number(db_session, busy.agent_id, per_page) == whole, f"by number, {per_page} a page"
    stored = {
        row.id: (row.available_after_minor, row.held_after_minor)
        for row in db_session.execute(
            sa.select(
                WalletTransaction.id, WalletTransaction.available_after_minor, WalletTransaction.held_after_minor
            ).where(WalletTransaction.agent_id == busy.agent_id)
        )
    }
    moved = [line for line in whole if (line.available_after_minor, line.held_after_minor) != stored[line.entry_id]]
    assert moved, "some payouts were settled lines later: their settlement counts from their own line on"

    repository, agent_id = WalletLinesReadRepository(db_session), busy.agent_id
    last_page = PageRequest(cursor=Cursor.decode(Cursor("last").encode()))
    assert repository.page(agent_id, "EUR", last_page).is_last
    first = queries_of(db_session, lambda: repository.page(agent_id, "EUR", PageRequest()))
    assert first == queries_of(db_session, lambda: repository.page(agent_id, "EUR", last_page)) == 3, (
        "a count, the lines, the settlements of payouts open across the page"
    )
