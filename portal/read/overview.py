"""Figures for the dashboard overview: KPIs per currency and daily series over a date range."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import AgentFinancialSummary, Commission, Payment, Payout, Refund
from portal.models.wallet import PayoutStatus
from portal.read.sql import utc_day

#: the longest range the overview reads at once
MAX_RANGE_DAYS = 366


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

    def days(self) -> list[date]:
        """Every day of the range, in order."""
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass
class CurrencyFigures:
    """The overview's KPIs in one currency."""

    currency: str
    collected_minor: int = 0
    outstanding_minor: int = 0
    commissions_pending_minor: int = 0
    wallets_available_minor: int = 0
    wallets_held_minor: int = 0
    payouts_waiting: int = 0
    payouts_waiting_minor: int = 0


@dataclass
class Overview:
    """KPIs per currency, and the daily series of the chosen currency."""

    range: DateRange
    figures: list[CurrencyFigures]
    currency: str | None
    collections: dict[date, int] = field(default_factory=dict)
    commissions: dict[date, int] = field(default_factory=dict)


class OverviewReadRepository:
    """The overview's figures: a fixed number of aggregate queries whatever the data."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def overview(self, period: DateRange, currency: str | None) -> Overview:
        """The figures over ``period``; the series in ``currency``, or in the currency that collected most."""
        figures: dict[str, CurrencyFigures] = {}

        def of(code: str) -> CurrencyFigures:
            return figures.setdefault(code, CurrencyFigures(code))

        in_range = (Payment.received_at >= period.lower, Payment.received_at < period.upper)
        for code, total in self.session.execute(
            sa.select(Payment.currency, sa.func.sum(Payment.amount_minor)).where(*in_range).group_by(Payment.currency)
        ):
            of(code).collected_minor += int(total)
        for code, total in self.session.execute(
            sa.select(Refund.currency, sa.func.sum(Refund.amount_minor))
            .where(Refund.created_at >= period.lower, Refund.created_at < period.upper)
            .group_by(Refund.currency)
        ):
            of(code).collected_minor -= int(total)
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
        ordered = sorted(figures.values(), key=lambda f: (-f.collected_minor, f.currency))
        chosen = currency if currency in figures else (ordered[0].currency if ordered else None)
        result = Overview(period, ordered, chosen)
        if chosen:
            result.collections = self._daily(
                Payment.received_at, Payment.amount_minor, Payment.currency, chosen, period
            )
            result.commissions = self._daily(
                Commission.created_at, Commission.amount_minor, Commission.currency, chosen, period
            )
        return result

    def _daily(self, moment, amount, currency_column, currency: str, period: DateRange) -> dict[date, int]:
        day = utc_day(moment)
        rows = self.session.execute(
            sa.select(day, sa.func.sum(amount))
            .where(currency_column == currency, moment >= period.lower, moment < period.upper)
            .group_by(day)
        )
        totals: dict[date, int] = defaultdict(int)
        for text, total in rows:
            totals[date.fromisoformat(str(text)[:10])] += int(total)
        return dict(totals)
