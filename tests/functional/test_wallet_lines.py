"""The wallet as its agent reads it: one line per payout, causes by name, and balances that add up on every page.

Each list is read as a person reads it, from the rendered pages (every page, through the pager's Next links):
from the oldest line up, each line's balances are the line below's plus the line's own changes, the oldest
starts from zero, and the newest shows what the wallet really holds. That is checked for the demo agents and
for an agent with a long random history of every money operation there is. The portal's home shows the newest
lines, as the wallet shows them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from portal.agent_portal.routes import RECENT_LINES
from portal.models import Agent, Payout, WalletTransaction
from portal.models.wallet import PayoutStatus
from portal.read.wallet_lines import SETTLEMENTS
from portal.seed.demo import AGENT_PASSWORD, AGENTS
from tests.functional.conftest import AuthActions
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.functional.paging import follow_next
from tests.support.busy_wallet import BUSY_PASSWORD, BusyAgent, balance_of, busy_agent
from tests.support.money import MoneyWorld
from tests.support.queries import count_queries

INTERNAL_IDS = re.compile(r"(payout|commission|payment|adjustment) #\d", re.IGNORECASE)


@dataclass
class ShownLine:
    """One line of the wallet as the page shows it: each cell's text by its column."""

    cells: dict[str, str] = field(default_factory=dict)

    def minor(self, column: str) -> int:
        text = self.cells[column].strip()
        if text == "—":
            return 0
        sign = -1 if text.startswith(("-", "−")) else 1
        return sign * int(re.sub(r"\D", "", text))


class WalletLinesTable(HTMLParser):
    """The rows of the wallet-lines table of a page, the row's heading cell as ``What``."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[ShownLine] = []
        self._in_table = self._in_body = False
        self._column: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and "wallet-lines" in (attributes.get("class") or ""):
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.lines.append(ShownLine())
        elif self._in_body and tag == "th":
            self._column = "What"
        elif self._in_body and tag == "td":
            assert attributes.get("data-label"), "every cell of a stacked row is labelled"
            self._column = attributes["data-label"]
        if self._column is not None:
            self.lines[-1].cells.setdefault(self._column, "")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._column = None
        elif tag == "table":
            self._in_table = self._in_body = False

    def handle_data(self, data):
        if self._column is not None:
            self.lines[-1].cells[self._column] += data


def lines_on(body: str) -> list[ShownLine]:
    """The lines of the wallet-lines table in a page's HTML."""
    table = WalletLinesTable()
    table.feed(body)
    return table.lines


def shown_lines(client, url: str) -> tuple[list[ShownLine], list[str]]:
    """Every row at ``url``, following Next to the last page; and each page's HTML."""
    return follow_next(client, url, lines_on)


def assert_lines_add_up(lines: list[ShownLine], balance: tuple[int, int]) -> None:
    """Newest first: each line is the one below it plus its own changes, from zero up to the wallet's balance."""
    assert lines, "the wallet shows its lines"
    available, held = 0, 0
    for line in reversed(lines):
        available += line.minor("Available")
        held += line.minor("Held")
        assert (line.minor("Available after"), line.minor("Held after")) == (available, held), line.cells
    assert (available, held) == balance, "the newest line shows what the wallet holds"


def assert_no_internal_ids(pages: list[str]) -> None:
    for body in pages:
        assert not INTERNAL_IDS.search(body), INTERNAL_IDS.search(body).group(0)


# The demo agents

#: every demo payout is of 100.00: approved it has left, requested it is held, rejected it is available again
DEMO_PAYOUT_EFFECTS = {"approved": (-10_000, 0), "requested": (-10_000, 10_000), "rejected": (0, 0)}


def test_the_demo_agents_wallets_add_up_and_name_their_causes(app, client, db_session):
    load_demo(app, db_session)
    auth = AuthActions(client)
    for demo_agent in AGENTS:
        auth.login(f"agent@{demo_agent.slug}.example", AGENT_PASSWORD)
        agent_id = db_session.scalar(sa.select(Agent.id).where(Agent.slug == demo_agent.slug))
        lines, pages = shown_lines(client, f"/portal/{demo_agent.slug}/wallet")
        assert_lines_add_up(lines, balance_of(db_session, agent_id))
        assert_no_internal_ids(pages)
        payouts = [line for line in lines if line.cells["What"].startswith("Payout of")]
        assert len(payouts) == 1, "the demo payout is one line, however many ledger entries it made"
        assert demo_agent.payout_outcome in payouts[0].cells["Details"]
        shown = (payouts[0].minor("Available"), payouts[0].minor("Held"))
        assert shown == DEMO_PAYOUT_EFFECTS[demo_agent.payout_outcome], (demo_agent.slug, payouts[0].cells)
        commissions = [line.cells["What"] for line in lines if line.cells["What"].startswith("Commission on")]
        assert f"Commission on {demo_agent.slug.upper()}-00001 · Harbour Logistics" in commissions
        clawback = next(line for line in lines if line.cells["What"].startswith("Clawback on"))
        assert "Meadow Dental" in clawback.cells["What"]
        assert "refunded" in clawback.cells["Details"] and "Customer cancelled one booking" in clawback.cells["Details"]
        auth.logout(f"/portal/{demo_agent.slug}/")


def test_finance_sees_the_agents_wallet_lines_and_the_full_ledger_one_click_away(app, client, db_session):
    ids = load_demo(app, db_session)
    AuthActions(client).login("agent@northwind.example", AGENT_PASSWORD)
    portal, _ = shown_lines(client, "/portal/northwind/wallet")
    AuthActions(client).logout("/portal/northwind/")
    log_in_as(client, "finance")
    dashboard, pages = shown_lines(client, f"/dashboard/agents/{ids['agent_id']}?tab=wallet")
    assert [line.cells for line in dashboard] == [line.cells for line in portal], "the lines the agent sees"
    ledger = f"/dashboard/agents/{ids['agent_id']}?tab=ledger"
    assert re.search(rf'<a href="{re.escape(ledger)}"[^>]*>Full ledger</a>', unescape(pages[0]))
    assert "payout debit" in client.get(ledger).get_data(as_text=True), "the ledger keeps every entry"


# An agent with a long, random history


@pytest.fixture(params=[16, 1602], ids=lambda seed: f"seed-{seed}")
def busy(app, db_session, request) -> BusyAgent:
    with app.app_context():
        return busy_agent(MoneyWorld(db_session), request.param)


def test_a_busy_wallet_adds_up_on_every_page(client, db_session, busy):
    agent_id = busy.agent_id
    statuses = set(db_session.scalars(sa.select(Payout.status).where(Payout.agent_id == agent_id)))
    assert statuses == set(PayoutStatus), "the history holds payouts in every status"
    AuthActions(client).login(busy.email, BUSY_PASSWORD)
    lines, pages = shown_lines(client, f"/portal/{busy.slug}/wallet")
    assert len(pages) >= 3, "the wallet runs over several pages"
    assert_lines_add_up(lines, balance_of(db_session, agent_id))
    assert_no_internal_ids(pages)
    payouts = db_session.scalar(sa.select(sa.func.count()).select_from(Payout).where(Payout.agent_id == agent_id))
    assert sum(line.cells["What"].startswith("Payout of") for line in lines) == payouts, "one line per payout"
    entries = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(WalletTransaction)
        .where(WalletTransaction.agent_id == agent_id, WalletTransaction.kind.not_in(SETTLEMENTS))
    )
    assert len(lines) == entries, "every other ledger entry is a line of its own"


def test_an_agent_with_nothing_in_its_wallet_is_told_what_will_come(app, client, db_session):
    with app.app_context():
        newcomer = BusyAgent(MoneyWorld(db_session), random.Random(0))
        newcomer.open_portal_login()
    AuthActions(client).login(newcomer.email, BUSY_PASSWORD)
    body = client.get(f"/portal/{newcomer.slug}/wallet").get_data(as_text=True)
    assert "Nothing has moved in your wallet yet" in body
    assert f'href="/portal/{newcomer.slug}/invoices"' in body, "the empty wallet says where commissions come from"
    assert "table--stack wallet-lines" not in body, "no empty table"


# The portal's home: the newest lines, and the way to the rest

#: the ledger's own words for its entries, which the home used to show
LEDGER_KINDS = re.compile(r"\b(payout (hold|debit|release)|commission credit)\b", re.IGNORECASE)


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_home_shows_the_newest_lines_as_the_wallet_does(client, busy):
    AuthActions(client).login(busy.email, BUSY_PASSWORD)
    home = client.get(f"/portal/{busy.slug}/").get_data(as_text=True)
    recent = lines_on(home)
    newest = lines_on(client.get(f"/portal/{busy.slug}/wallet").get_data(as_text=True))[:RECENT_LINES]
    assert len(recent) == RECENT_LINES == 5
    for shown, line in zip(recent, newest, strict=True):
        assert words(shown.cells["What"]) == words(line.cells["What"] + " " + line.cells["Details"]), "and its details"
        assert [shown.cells[column] for column in ("When", "Available", "Held")] == [
            line.cells[column] for column in ("When", "Available", "Held")
        ]
    assert f'<a href="/portal/{busy.slug}/wallet">See the whole wallet</a>' in home
    assert_no_internal_ids([home])
    assert not LEDGER_KINDS.search(home), LEDGER_KINDS.search(home).group(0)


def test_a_new_agents_home_says_what_will_come_instead_of_an_empty_list(app, client, db_session):
    with app.app_context():
        newcomer = BusyAgent(MoneyWorld(db_session), random.Random(0))
        newcomer.open_portal_login()
    AuthActions(client).login(newcomer.email, BUSY_PASSWORD)
    home = client.get(f"/portal/{newcomer.slug}/").get_data(as_text=True)
    assert "Nothing has moved in your wallet yet" in home
    invoices = f'<a href="/portal/{newcomer.slug}/invoices">invoices</a>'
    assert re.search(rf"When a customer pays one of your\s+{re.escape(invoices)}", home), "where commissions come from"
    assert "wallet-lines" not in home and "See the whole wallet" not in home


def test_the_home_costs_the_same_queries_for_a_short_wallet_as_for_a_long_one(app, client, db_session, monkeypatch):
    # The flag table is read once per FLAG_SNAPSHOT_TTL per process, not per page: kept out of the count.
    monkeypatch.setitem(app.config, "FLAG_SNAPSHOT_TTL", 3600)
    load_demo(app, db_session)
    with app.app_context():
        long = busy_agent(MoneyWorld(db_session), 16)
    counts = []
    for email, password, slug in (("agent@northwind.example", AGENT_PASSWORD, "northwind"),
                                  (long.email, BUSY_PASSWORD, long.slug)):  # fmt: skip
        auth = AuthActions(client)
        auth.login(email, password)
        client.get(f"/portal/{slug}/")
        with count_queries() as statements:
            shown = lines_on(client.get(f"/portal/{slug}/").get_data(as_text=True))
        counts.append((len(shown), len(statements)))
        auth.logout(f"/portal/{slug}/")
    (short_lines, short_queries), (long_lines, long_queries) = counts
    assert short_lines < long_lines == RECENT_LINES, counts
    assert short_queries == long_queries <= 11, counts
