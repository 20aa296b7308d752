"""Figures for the dashboard overview: money moved in a period and the one before it, balances now, daily series.

The period's figures and the previous period's (the same number of days just before) come from the same three
queries, one per source (payments, refunds, commissions), each summed per currency and UTC day over both periods
by an index range scan of its moment column. Every total is then the sum of its days, so a chart's total and the
figure beside it are one number. Balances are read from the per-agent read model, and they are as of now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AgentFinancialSummary, Commission, Payment, Payout, Refund
from portal.models.wallet import PayoutStatus
from portal.read.sql import utc_day

#: the longest range the overview reads at once
MAX_RANGE_DAYS = 366

#: amounts per UTC day
Series = dict[date, int]


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days from ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def lower(self) -> datetime:
        """The first moment of the range."""
        return datetime.combine(self.start, time.min, UTC)

    @property
    def upper(self) -> datetime:
        """The first moment after the range."""
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)

    @property
    def length(self) -> int:
        """How many days the range covers."""
        return (self.end - self.start).days + 1

    def days(self) -> list[date]:
        """Every day of the range, in order."""
        return [self.start + timedelta(days=n) for n in range(self.length)]

    def previous(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        return DateRange(self.start - timedelta(days=self.length), self.start - timedelta(days=1))


@dataclass(frozen=True)
class PeriodFlows:
    """Money that moved in one currency over one period."""

    received_minor: int = 0
    refunded_minor: int = 0
    commissions_minor: int = 0

    @property
    def net_collected_minor(self) -> int:
        """Received (gross) less refunded."""
        return self.received_minor - self.refunded_minor


@dataclass
class CurrencyFigures:
    """The overview's figures in one currency: this period's and the previous period's flows, balances now."""

    currency: str
    current: PeriodFlows = PeriodFlows()
    previous: PeriodFlows = PeriodFlows()
    outstanding_minor: int = 0
    commissions_pending_minor: int = 0
    wallets_available_minor: int = 0
    wallets_held_minor: int = 0
    payouts_waiting: int = 0
    payouts_waiting_minor: int = 0


@dataclass
class Overview:
    """Figures per currency, and the daily series of the chosen currency over the period."""

    range: DateRange
    figures: list[CurrencyFigures]
    currency: str | None
    received: Series = field(default_factory=dict)
    refunded: Series = field(default_factory=dict)
    commissions: Series = field(default_factory=dict)

    @property
    def chosen(self) -> CurrencyFigures | None:
        """The figures of the currency the series are in."""
        return next((row for row in self.figures if row.currency == self.currency), None)


class OverviewReadRepository:
    """The overview's figures: five aggregate queries whatever the data."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def overview(self, period: DateRange, currency: str | None) -> Overview:
        """The figures over ``period`` and the one before; series in ``currency``, else the one that collected most."""
        both = DateRange(period.previous().start, period.end)
        received = self._daily(Payment.received_at, Payment.amount_minor, Payment.currency, both)
        refunded = self._daily(Refund.created_at, Refund.amount_minor, Refund.currency, both)
        commissions = self._daily(Commission.created_at, Commission.amount_minor, Commission.currency, both)
        figures: dict[str, CurrencyFigures] = {}
        for code in received.keys() | refunded.keys() | commissions.keys():
            flows = [received.get(code, {}), refunded.get(code, {}), commissions.get(code, {})]
            figures[code] = CurrencyFigures(
                code,
                current=PeriodFlows(*(_total(series, period) for series in flows)),
                previous=PeriodFlows(*(_total(series, period.previous()) for series in flows)),
            )

        def of(code: str) -> CurrencyFigures:
            return figures.setdefault(code, CurrencyFigures(code))

        self._add_balances(of)
        ordered = sorted(figures.values(), key=lambda f: (-f.current.net_collected_minor, f.currency))
        chosen = currency if currency in figures else (ordered[0].currency if ordered else None)
        result = Overview(period, ordered, chosen)
        if chosen:
            result.received = _within(received.get(chosen, {}), period)
            result.refunded = _within(refunded.get(chosen, {}), period)
            result.commissions = _within(commissions.get(chosen, {}), period)
        return result

    def _add_balances(self, of) -> None:
        summary = AgentFinancialSummary
        for code, outstanding, pending, available, held in self.session.execute(
            sa.select(
                summary.currency,
                sa.func.sum(summary.outstanding_minor),
                sa.func.sum(summary.commissions_pending_minor),
                sa.func.sum(summary.wallet_available_minor),
                sa.func.sum(summary.wallet_held_minor),
            ).group_by(summary.currency)
        ):
            row = of(code)
            row.outstanding_minor, row.commissions_pending_minor = int(outstanding), int(pending)
            row.wallets_available_minor, row.wallets_held_minor = int(available), int(held)
        for code, count, total in self.session.execute(
            sa.select(Payout.currency, sa.func.count(), sa.func.sum(Payout.amount_minor))
            .where(Payout.status == PayoutStatus.REQUESTED)
            .group_by(Payout.currency)
        ):
            of(code).payouts_waiting, of(code).payouts_waiting_minor = int(count), int(total)

    def _daily(self, moment: Any, amount: Any, currency_column: Any, span: DateRange) -> dict[str, Series]:
        """Sums of ``amount`` per currency and UTC day of ``moment`` over ``span``."""
        day = utc_day(moment)
        rows = self.session.execute(
            sa.select(currency_column, day, sa.func.sum(amount))
            .where(moment >= span.lower, moment < span.upper)
            .group_by(currency_column, day)
        )
        series: dict[str, Series] = {}
        for code, text, total in rows:
            days = series.setdefault(code, {})
            moment_day = date.fromisoformat(str(text)[:10])
            days[moment_day] = days.get(moment_day, 0) + int(total)
        return series


def _within(series: Series, period: DateRange) -> Series:
    return {day: amount for day, amount in series.items() if period.start <= day <= period.end}


def _total(series: Series, period: DateRange) -> int:
    return sum(_within(series, period).values())
