"""Agents: who they are, how they are listed, what they have earned and hold."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from portal.api.schemas.common import FILTER, ONE_LINE, Currency, Email, Money, PageOf, PageQuery, Reason, Strict, Whole
from portal.models.agent import MAX_RATE_BPS, SLUG_PATTERN
from portal.read.agents import AgentListItem, AgentProfile
from portal.read.summaries import FinancialSummary

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=ONE_LINE)]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 ().-]{3,38}$")]
Rate = Annotated[int, Field(ge=0, le=MAX_RATE_BPS, description="basis points: 1250 is 12.5 %"), Whole]


class Agent(BaseModel):
    id: int
    slug: str
    name: str
    email: str
    phone: str | None
    status: Literal["active", "suspended"]
    commission_rate_bps: int
    currency: str

    @classmethod
    def of(cls, agent: AgentProfile) -> Agent:
        return cls(**{name: getattr(agent, name) for name in cls.model_fields})


class AgentListed(BaseModel):
    id: int
    slug: str
    name: str
    status: Literal["active", "suspended"]
    commission_rate_bps: int
    currency: str
    collected: Money
    outstanding: Money
    commissions_earned: Money
    wallet_available: Money
    wallet_held: Money
    last_payment_at: datetime | None

    @classmethod
    def of(cls, row: AgentListItem) -> AgentListed:
        money = {
            name: Money.of(getattr(row, f"{name}_minor"), row.currency)
            for name in ("collected", "outstanding", "commissions_earned", "wallet_available", "wallet_held")
        }
        return cls.model_validate({
            "id": row.id, "slug": row.slug, "name": row.name, "status": row.status,
            "commission_rate_bps": row.commission_rate_bps, "currency": row.currency,
            "last_payment_at": row.last_payment_at, **money,
        })  # fmt: skip


class AgentPage(PageOf[AgentListed]):
    pass


class AgentQuery(PageQuery):
    search: Annotated[str, StringConstraints(max_length=100, pattern=FILTER)] = ""
    status: Literal["active", "suspended"] | None = None
    sort: Literal["name", "collected", "outstanding", "earned", "available", "last_payment"] = "name"
    direction: Literal["asc", "desc"] = "asc"


class NewAgent(Strict):
    slug: Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
    name: Name
    email: Email
    commission_rate_bps: Rate
    currency: Currency
    phone: Phone | None = None


class AgentChanges(Strict):
    """Only the fields sent change."""

    name: Name | None = None
    email: Email | None = None
    commission_rate_bps: Rate | None = None
    phone: Phone | None = None


class StatusChange(Strict):
    reason: Reason


class Summary(BaseModel):
    agent_id: int
    currency: str
    invoiced: Money
    collected: Money
    outstanding: Money
    commissions_earned: Money
    commissions_pending: Money
    wallet_available: Money
    wallet_held: Money
    last_payment_at: datetime | None

    @classmethod
    def of(cls, summary: FinancialSummary) -> Summary:
        names = ("invoiced", "collected", "outstanding", "commissions_earned", "commissions_pending",
                 "wallet_available", "wallet_held")  # fmt: skip
        money = {name: Money.of(getattr(summary, f"{name}_minor"), summary.currency) for name in names}
        return cls(agent_id=summary.agent_id, currency=summary.currency, last_payment_at=summary.last_payment_at,
                   **money)  # fmt: skip
