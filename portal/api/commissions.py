"""``/commissions``: list, approve one, approve up to 100 at once (retry-safe)."""

from flask import abort

from portal.api.blueprint import bp
from portal.api.idempotency import IdempotencyHeaders, answer, command_key, idempotent
from portal.api.openapi import CHANGES, LISTED, operation
from portal.api.pages import listing, page_request
from portal.api.principal import allow, principal
from portal.api.problems import problem
from portal.api.running import run
from portal.api.schemas.billing import (
    Approval,
    ApprovalReport,
    ApproveMany,
    Commission,
    CommissionPage,
    CommissionQuery,
)
from portal.api.schemas.common import Money
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models.api_token import ApiScope
from portal.models.commission import CommissionStatus
from portal.read.commissions import CommissionReadRepository
from portal.services.money.commands import ApproveCommission
from portal.services.money.switch import refuse_money_while_paused


@bp.get("/commissions")
@operation("commissions", {"HTTP_200": CommissionPage}, LISTED, query=CommissionQuery)
@allow(ApiScope.READ, agents=True)
def list_commissions(query: CommissionQuery):
    """Commissions and clawbacks, newest first (pending ones oldest first); an agent's token: its own."""
    caller = principal()
    agent_id = caller.agent_id if caller.is_agent else query.agent_id
    status = CommissionStatus(query.status) if query.status else None
    page = CommissionReadRepository(db.session()).page(page_request(query), status=status, agent_id=agent_id)
    return listing(page, Commission.of)


@bp.post("/commissions/<int:commission_id>/approve")
@operation("commissions", {"HTTP_200": Approval}, CHANGES, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "commissions.approve")
@idempotent
def approve_commission(commission_id: int):
    """Credit a pending commission (net of clawbacks waiting on it) to the agent's wallet."""
    result = run(ApproveCommission(idempotency_key=command_key(), commission_id=commission_id))
    approval = Approval(
        commission_id=commission_id, outcome="already_approved" if result.replayed else "approved",
        credited=Money.of(result.credited_minor, result.currency),
    )  # fmt: skip
    return answer(approval, replayed=result.replayed)


@bp.post("/commissions/approve")
@operation("commissions", {"HTTP_200": ApprovalReport}, CHANGES, json=ApproveMany, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "commissions.approve")
@idempotent
def approve_commissions(json: ApproveMany):
    """Approve up to 100 commissions, each on its own key: a retry approves none twice, a refusal stops none."""
    refuse_money_while_paused()
    if len(set(json.commission_ids)) != len(json.commission_ids):
        abort(problem(422, "Each commission may be named once.", errors=[{"field": "commission_ids",
                                                                           "message": "repeats an id"}]))  # fmt: skip
    results = []
    for commission_id in json.commission_ids:
        try:
            key = command_key(str(commission_id))
            result = run(ApproveCommission(idempotency_key=key, commission_id=commission_id))
        except DomainError as error:
            db.session.rollback()
            results.append(Approval(commission_id=commission_id, outcome="refused", detail=error.message))
        else:
            results.append(Approval(
                commission_id=commission_id, outcome="already_approved" if result.replayed else "approved",
                credited=Money.of(result.credited_minor, result.currency),
            ))  # fmt: skip
    approved = sum(1 for item in results if item.outcome == "approved")
    return answer(ApprovalReport(approved=approved, results=results))
