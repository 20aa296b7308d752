"""An agent's wallet: balance, ledger, adjustments; and ``/payouts``: request, decide, cancel, mark paid."""

from flask import abort, url_for

from portal import data_access
from portal.api.blueprint import bp
from portal.api.idempotency import IdempotencyHeaders, answer, command_key, idempotent
from portal.api.openapi import CHANGES, CHECKED, LISTED, operation
from portal.api.pages import listing, page_request
from portal.api.principal import allow, own_agent, principal, visible_agent
from portal.api.problems import problem
from portal.api.running import run
from portal.api.schemas.common import Money
from portal.api.schemas.wallets import (
    Adjustment,
    Entry,
    EntryPage,
    LedgerQuery,
    NewAdjustment,
    NewPayout,
    Payout,
    PayoutPage,
    PayoutQuery,
    Rejection,
    Wallet,
)  # fmt: skip
from portal.extensions import db
from portal.models.api_token import ApiScope
from portal.models.ledger_rules import LedgerKind
from portal.models.wallet import PayoutDecision, PayoutStatus
from portal.read.payouts import PayoutReadRepository, PayoutRow
from portal.services.money.commands import AdjustWallet, CancelPayout, DecidePayout, MarkPayoutPaid, RequestPayout


@bp.get("/agents/<int:agent_id>/wallet")
@operation("wallets", {"HTTP_200": Wallet}, CHECKED)
@allow(ApiScope.READ, agents=True)
def get_wallet(agent_id: int):
    """What the agent may request (available) and what waits on payout decisions (held)."""
    agent = visible_agent(agent_id)
    return answer(Wallet.of(agent.id, data_access.wallet_balance(agent)))


@bp.get("/agents/<int:agent_id>/ledger")
@operation("wallets", {"HTTP_200": EntryPage}, {**LISTED, **CHECKED}, query=LedgerQuery)
@allow(ApiScope.READ, agents=True)
def list_ledger(agent_id: int, query: LedgerQuery):
    """Every movement of the wallet, newest first; only those of ``kind`` when given."""
    agent = visible_agent(agent_id)
    kind = LedgerKind(query.kind) if query.kind else None
    return listing(data_access.agent_ledger(agent, page_request(query), kind), Entry.of)


@bp.post("/agents/<int:agent_id>/wallet/adjustments")
@operation("wallets", {"HTTP_201": Adjustment}, CHANGES, json=NewAdjustment, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "wallets.adjust")
@idempotent
def adjust_wallet(agent_id: int, json: NewAdjustment):
    """An administrator's correction, up or down, with a reason; below zero only with ``confirm_negative``."""
    agent = visible_agent(agent_id)
    result = run(AdjustWallet(
        idempotency_key=command_key(), agent_id=agent.id, amount_minor=json.amount.amount_minor,
        currency=json.amount.currency, reason=json.reason, confirm_negative=json.confirm_negative,
        confirm_repeat=json.confirm_repeat,
    ))  # fmt: skip
    wallet = Wallet.of(agent.id, data_access.wallet_balance(agent))
    body = Adjustment(entry_id=result.entry_id, amount=Money.of(result.amount_minor, result.currency), wallet=wallet)
    location = url_for("api.list_ledger", agent_id=agent.id)
    return answer(body, 201, location=location, replayed=result.replayed)


def visible_payout(payout_id: int) -> PayoutRow:
    caller = principal()
    payout = PayoutReadRepository(db.session()).by_id(payout_id)
    if payout is None or (caller.is_agent and payout.agent_id != caller.agent_id):
        abort(problem(404, "There is no such payout."))
    return payout


@bp.get("/payouts")
@operation("payouts", {"HTTP_200": PayoutPage}, LISTED, query=PayoutQuery)
@allow(ApiScope.READ, agents=True)
def list_payouts(query: PayoutQuery):
    """Payouts, newest first (requested ones oldest first); an agent's token: its own."""
    caller = principal()
    agent_id = caller.agent_id if caller.is_agent else query.agent_id
    status = PayoutStatus(query.status) if query.status else None
    return listing(PayoutReadRepository(db.session()).page(page_request(query), status, agent_id), Payout.of)


@bp.get("/payouts/<int:payout_id>")
@operation("payouts", {"HTTP_200": Payout}, CHECKED)
@allow(ApiScope.READ, agents=True)
def get_payout(payout_id: int):
    return answer(Payout.of(visible_payout(payout_id)))


@bp.post("/payouts")
@operation("payouts", {"HTTP_201": Payout}, CHANGES, json=NewPayout, headers=IdempotencyHeaders)
@allow(ApiScope.WRITE, agents=True)
@idempotent
def request_payout(json: NewPayout):
    """The agent asks to be paid part of its available balance: the amount is held until staff decide."""
    if not principal().is_agent:
        abort(problem(403, "Only the agent's own token requests its payouts.", slug="agent-only"))
    agent = own_agent()
    result = run(RequestPayout(
        idempotency_key=command_key(), agent_id=agent.id, amount_minor=json.amount.amount_minor,
        currency=json.amount.currency, confirm_repeat=json.confirm_repeat,
    ))  # fmt: skip
    return _payout_answer(result.payout_id, result.replayed, created=True)


@bp.post("/payouts/<int:payout_id>/cancel")
@operation("payouts", {"HTTP_200": Payout}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.WRITE, agents=True)
@idempotent
def cancel_payout(payout_id: int):
    """The agent withdraws a request not yet decided: the held amount is available again."""
    if not principal().is_agent:
        abort(problem(403, "Only the agent's own token cancels its payouts.", slug="agent-only"))
    payout = visible_payout(payout_id)
    result = run(CancelPayout(idempotency_key=command_key(), payout_id=payout.id, agent_id=payout.agent_id))
    return _payout_answer(result.payout_id, result.replayed)


@bp.post("/payouts/<int:payout_id>/approve")
@operation("payouts", {"HTTP_200": Payout}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "payouts.decide")
@idempotent
def approve_payout(payout_id: int):
    """Approve a requested payout: the held amount leaves the wallet."""
    result = run(DecidePayout(idempotency_key=command_key(), payout_id=payout_id, decision=PayoutDecision.APPROVE))
    return _payout_answer(result.payout_id, result.replayed)


@bp.post("/payouts/<int:payout_id>/reject")
@operation("payouts", {"HTTP_200": Payout}, CHANGES, json=Rejection, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "payouts.decide")
@idempotent
def reject_payout(payout_id: int, json: Rejection):
    """Reject a requested payout with a reason the agent is told: the held amount is available again."""
    result = run(DecidePayout(idempotency_key=command_key(), payout_id=payout_id, decision=PayoutDecision.REJECT,
                              reason=json.reason))  # fmt: skip
    return _payout_answer(result.payout_id, result.replayed)


@bp.post("/payouts/<int:payout_id>/paid")
@operation("payouts", {"HTTP_200": Payout}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "payouts.decide")
@idempotent
def mark_payout_paid(payout_id: int):
    """Record that the bank transfer of an approved payout went out."""
    result = run(MarkPayoutPaid(idempotency_key=command_key(), payout_id=payout_id))
    return _payout_answer(result.payout_id, result.replayed)


def _payout_answer(payout_id: int, replayed: bool, created: bool = False):
    location = url_for("api.get_payout", payout_id=payout_id) if created else None
    return answer(Payout.of(visible_payout(payout_id)), 201 if created else 200, location=location, replayed=replayed)
