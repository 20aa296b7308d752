"""The overview's charts and figures as people read them: axes with money, the same numbers beside each other,
the change since the previous period, and date ranges that are narrowed or refused out loud."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.models import User
from portal.persistence.context import Actor, CommandContext
from portal.services.agents import CreateAgent
from portal.services.invoicing import CreateInvoice, IssueInvoice
from portal.services.money.commands import RecordPayment, RefundPayment
from portal.services.running import command_runner
from tests.functional.dashboard_support import load_demo, log_in_as
from tests.functional.page_tree import Element, page_tree

TODAY = datetime.now(UTC).date()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime.combine(day, time(12), UTC)


@pytest.fixture
def two_periods(app, db_session, make, auth):
    """One EUR agent at 10%: €500 paid 40 days ago; €600 paid, €150 of it refunded, and €200 paid this month.

    The default period (the last 30 days) received €800 gross, refunded €150, netted €650 and earned €65 of
    commission (€60 + €20 − a €15 clawback); the 30 days before received €500 and earned €50.
    """
    clock = Clock()
    with app.app_context():
        run = command_runner(app, db_session, CommandContext(Actor.system("test")), clock=clock).run
        clock.on(TODAY - timedelta(days=50))
        agent_id = run(
            CreateAgent(
                idempotency_key="overview-agent", slug="overview-agent", agent_name="Overview Agent",
                email="overview@example.com", commission_rate_bps=1000, currency="EUR",
            )
        ).agent_id  # fmt: skip
        invoices = []
        for n in (1, 2):
            invoice_id = run(
                CreateInvoice(
                    idempotency_key=f"overview-invoice-{n}", agent_id=agent_id, customer_name=f"Customer {n}",
                    amount_minor=100_000, currency="EUR", due_date=TODAY + timedelta(days=30), confirm_repeat=True,
                )
            ).invoice_id  # fmt: skip
            run(IssueInvoice(idempotency_key=f"overview-issue-{n}", invoice_id=invoice_id))
            invoices.append(invoice_id)

        def pay(key: str, days_ago: int, invoice_id: int, amount_minor: int):
            clock.on(TODAY - timedelta(days=days_ago))
            return run(
                RecordPayment(
                    idempotency_key=key, invoice_id=invoice_id, amount_minor=amount_minor, currency="EUR",
                    method="card", confirm_repeat=True,
                )
            )  # fmt: skip

        pay("overview-before", 40, invoices[0], 50_000)
        refunded = pay("overview-refunded", 10, invoices[1], 60_000)
        clock.on(TODAY - timedelta(days=5))
        run(
            RefundPayment(
                idempotency_key="overview-refund", payment_id=refunded.payment_id, amount_minor=15_000,
                currency="EUR", reason="One booking cancelled",
            )
        )  # fmt: skip
        pay("overview-late", 3, invoices[0], 20_000)
    auth.login(db_session.get(User, make.user(role="admin")).email)


def _page(client, query: str = "") -> Element:
    response = client.get(f"/dashboard/{query}")
    assert response.status_code == 200
    return page_tree(response.get_data(as_text=True))


def _kpis(page: Element) -> dict[str, Element]:
    return {card.one("dt").text: card for card in page.one("dl", "kpis").all("div", "kpi")}


def _kpi_amount(card: Element) -> str:
    return card.all("dd")[0].text


def _chart(page: Element, title: str) -> Element:
    found = [figure for figure in page.all("figure", "chart") if figure.one(css="chart__title").text == title]
    assert len(found) == 1, [figure.one(css="chart__title").text for figure in page.all("figure", "chart")]
    return found[0]


def _totals(chart: Element) -> dict[str, str]:
    return {pair.one("dt").text: pair.one("dd").text for pair in chart.one("dl", "chart__totals").all("div")}


def _table(chart: Element) -> dict[str, str]:
    table = chart.one("details", "chart__data").one("table")
    return {row.one("th").text: row.one("td").text for row in table.one("tbody").all("tr")}


def _axis_labels(chart: Element) -> list[str]:
    return [label.text for label in chart.one("svg", "chart__axis").all("text")]


def test_the_value_axis_has_round_money_steps_and_a_gridline_for_each(client, two_periods):
    chart = _chart(_page(client), "Payments received per day (gross)")
    assert _axis_labels(chart) == ["€0", "€200", "€400", "€600"]
    drawing = chart.one("svg", "chart__drawing")
    assert len(drawing.all("line", "chart__grid")) == 4
    commissions = _chart(_page(client), "Commissions per day (net of clawbacks)")
    assert _axis_labels(commissions) == ["-€20", "€0", "€20", "€40", "€60"], "a clawback goes below zero"


def test_the_axis_speaks_the_viewers_locale(client, two_periods):
    response = client.get("/dashboard/", headers={"Accept-Language": "de-DE"})
    chart = _chart(page_tree(response.get_data(as_text=True)), "Payments received per day (gross)")
    assert _axis_labels(chart) == ["0 €", "200 €", "400 €", "600 €"], "the symbol after the amount"


def test_a_few_short_dates_label_the_bottom_and_every_other_one_stays_on_a_phone(client, two_periods):
    ticks = (
        _chart(_page(client), "Payments received per day (gross)")
        .one("svg", "chart__drawing")
        .all("text", "chart__label")
    )
    assert 4 <= len(ticks) <= 6
    first = TODAY - timedelta(days=29)
    assert ticks[0].text == f"{first:%b} {first.day}" and ticks[-1].text == f"{TODAY:%b} {TODAY.day}"
    kept = [tick for tick in ticks if "chart__label--minor" not in tick.classes]
    assert len(kept) == 3 and kept[0] is ticks[0] and kept[-1] is ticks[-1]


def test_every_bar_is_focusable_with_its_value_and_the_table_holds_every_value(client, two_periods):
    chart = _chart(_page(client), "Payments received per day (gross)")
    points = chart.all("g", "chart__point")
    assert len(points) == 30 and all(point.attrs.get("tabindex") == "0" for point in points)
    paid = TODAY - timedelta(days=10)
    label = f"{paid:%b} {paid.day}, {paid.year}: €600.00"
    assert any(point.attrs["aria-label"] == label and point.one("title").text == label for point in points)
    assert any(point.one("text", "chart__value").text == "€200.00" for point in points)
    rows = _table(chart)
    assert len(rows) == 30
    assert rows[f"{paid:%b} {paid.day}, {paid.year}"] == "€600.00"
    assert sorted(value for value in rows.values() if value != "€0.00") == ["€200.00", "€600.00"]
    assert chart.one("svg", "chart__drawing").attrs["role"] == "img"
    assert "Received (gross) €800.00" in chart.one("svg", "chart__drawing").attrs["aria-label"]
    assert not chart.one("svg", "chart__drawing").all(tabindex="0"), "nothing focusable inside an image"


def test_gross_net_and_commission_figures_are_labelled_and_agree_with_their_charts(client, two_periods):
    page = _page(client)
    kpis = _kpis(page)
    assert {name: _kpi_amount(card) for name, card in kpis.items()} == {
        "Received (gross)": "€800.00",
        "Refunded": "€150.00",
        "Net collected": "€650.00",
        "Commissions (net of clawbacks)": "€65.00",
    }
    received = _totals(_chart(page, "Payments received per day (gross)"))
    assert received["Received (gross)"] == _kpi_amount(kpis["Received (gross)"])
    assert received["Highest day"].startswith("€600.00")
    commissions = _totals(_chart(page, "Commissions per day (net of clawbacks)"))
    assert commissions["Commissions (net of clawbacks)"] == _kpi_amount(kpis["Commissions (net of clawbacks)"])
    assert commissions["Highest day"].startswith("€60.00")
    eur = page.one("table", "table--stack").one("tbody").one("tr")
    assert eur.one("td", data_label="Net collected").text == _kpi_amount(kpis["Net collected"])


def test_each_figure_is_compared_with_the_previous_period_of_the_same_length(client, two_periods):
    changes = {name: card.one("dd", "kpi__change").text for name, card in _kpis(_page(client)).items()}
    assert changes == {
        "Received (gross)": "▲ +60% vs previous 30 days (€500.00)",
        "Refunded": "▲ +€150.00 vs nothing in the previous 30 days",
        "Net collected": "▲ +30% vs previous 30 days (€500.00)",
        "Commissions (net of clawbacks)": "▲ +30% vs previous 30 days (€50.00)",
    }
    # Over the last 45 days, the 45 before hold nothing; over 12 days, the 12 before hold the refunded payment.
    longer = {name: card.one("dd", "kpi__change").text for name, card in _kpis(_page(client, "?from=" + (
        TODAY - timedelta(days=44)).isoformat())).items()}  # fmt: skip
    assert longer["Received (gross)"] == "▲ +€1,300.00 vs nothing in the previous 45 days"
    shorter = _kpis(_page(client, f"?from={(TODAY - timedelta(days=7)).isoformat()}"))
    assert _kpi_amount(shorter["Received (gross)"]) == "€200.00"
    assert shorter["Received (gross)"].one("dd", "kpi__change").text == "▼ −67% vs previous 8 days (€600.00)"


def test_a_range_wider_than_the_overview_covers_is_narrowed_and_says_so(client, two_periods):
    page = _page(client, "?from=1900-01-01&to=2100-12-31")
    start = TODAY - timedelta(days=365)
    notice = page.one("p", "flash--info").text
    assert notice.startswith(f"Showing {start:%b} {start.day}, {start.year} – {TODAY:%b} {TODAY.day}, {TODAY.year}:")
    assert "covers at most 366 days" in notice and "ends today at the latest" in notice
    assert page.one("input", name="from").attrs["value"] == start.isoformat()
    assert page.one("input", name="to").attrs["value"] == TODAY.isoformat()
    assert _chart(page, "Payments received per week (gross)"), "a year is drawn a bar a week"
    assert _kpi_amount(_kpis(page)["Received (gross)"]) == "€1,300.00"


def test_a_start_after_the_end_is_refused_next_to_the_fields(client, two_periods):
    page = _page(client, "?from=2026-03-10&to=2026-03-01")
    error = page.one("p", "field__error")
    assert error.attrs["id"] == "overview-from-error" and "The start is after the end" in error.text
    field = page.one("input", name="from")
    assert field.attrs["aria-invalid"] == "true" and field.attrs["aria-describedby"] == "overview-from-error"
    assert field.attrs["value"] == "2026-03-10", "what was typed stays to be corrected"
    assert "Showing the last 30 days instead." in page.one("p", "flash--info").text


@pytest.mark.parametrize("typed", ["2026-02-30", "31/12/2026", "yesterday"])
def test_a_day_that_is_not_a_date_gets_a_message_at_its_field(client, two_periods, typed):
    page = _page(client, f"?to={typed}")
    error = page.one("p", "field__error")
    assert error.attrs["id"] == "overview-to-error" and "end" in error.text
    assert page.one("input", name="to").attrs["aria-invalid"] == "true"
    assert _kpi_amount(_kpis(page)["Received (gross)"]) == "€800.00", "the default period is shown meanwhile"


def test_the_htmx_fragment_carries_the_fields_and_their_messages(client, two_periods):
    response = client.get("/dashboard/?from=2026-03-10&to=2026-03-01", headers={"HX-Request": "true"})
    fragment = page_tree(response.get_data(as_text=True))
    assert fragment.one("section", id="overview").one("p", "field__error")
    assert fragment.one("form").attrs["hx-target"] == "#overview"


def test_the_demo_figures_beside_each_other_agree(app, client, db_session):
    load_demo(app, db_session)
    log_in_as(client, "admin")
    page = _page(client, f"?from={(TODAY - timedelta(days=89)).isoformat()}&currency=EUR")
    kpis = {name: _kpi_amount(card) for name, card in _kpis(page).items()}
    assert kpis["Received (gross)"] == "€4,900.00" and kpis["Refunded"] == "€300.00"
    assert kpis["Net collected"] == "€4,600.00"
    received = _chart(page, "Payments received per week (gross)")
    assert _totals(received)["Received (gross)"] == kpis["Received (gross)"]
    assert len(_table(received)) == 13, "90 days drawn as 13 weeks"
    commissions = _chart(page, "Commissions per week (net of clawbacks)")
    assert _totals(commissions)["Commissions (net of clawbacks)"] == kpis["Commissions (net of clawbacks)"]


def test_the_portal_home_chart_has_the_same_axes_and_table(app, client, db_session, auth):
    load_demo(app, db_session)
    auth.login("agent@northwind.example", password="demo-agent-password")
    page = page_tree(client.get("/portal/northwind/").get_data(as_text=True))
    chart = _chart(page, "Commission credited per week (net of clawbacks)")
    assert _axis_labels(chart)[0] == "€0" and len(chart.all("line", "chart__grid")) >= 3
    rows = _table(chart)
    assert len(rows) == 13 and _totals(chart)["Credited (net of clawbacks)"] != "€0.00"
