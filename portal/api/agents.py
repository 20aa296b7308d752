"""``/agents``: list, read, create, change, suspend and reactivate agents; an agent's financial summary."""

from flask import url_for

from portal import data_access
from portal.api.blueprint import bp
from portal.api.idempotency import IdempotencyHeaders, answer, command_key, idempotent
from portal.api.openapi import CHANGES, CHECKED, LISTED, operation
from portal.api.pages import listing, page_request
from portal.api.principal import allow, visible_agent
from portal.api.running import run
from portal.api.schemas.agents import (
    Agent,
    AgentChanges,
    AgentListed,
    AgentPage,
    AgentQuery,
    NewAgent,
    StatusChange,
    Summary,
)  # fmt: skip
from portal.models.agent import AgentStatus
from portal.models.api_token import ApiScope
from portal.read.agents import AgentFilters
from portal.services.agents import CreateAgent, SetAgentStatus, UpdateAgent


@bp.get("/agents")
@operation("agents", {"HTTP_200": AgentPage}, LISTED, query=AgentQuery)
@allow(ApiScope.READ)
def list_agents(query: AgentQuery):
    """Agents, by name or by a money column; with their collected, outstanding, earned and wallet figures."""
    filters = AgentFilters(search=query.search.strip(), status=query.status or "", sort=query.sort,
                           descending=query.direction == "desc")  # fmt: skip
    return listing(data_access.agents_overview(page_request(query), filters), AgentListed.of)


@bp.get("/agents/<int:agent_id>")
@operation("agents", {"HTTP_200": Agent}, CHECKED)
@allow(ApiScope.READ, agents=True)
def get_agent(agent_id: int):
    """One agent (an agent's token: itself only)."""
    return answer(Agent.of(visible_agent(agent_id)))


@bp.get("/agents/<int:agent_id>/summary")
@operation("agents", {"HTTP_200": Summary}, CHECKED)
@allow(ApiScope.READ, agents=True)
def get_agent_summary(agent_id: int):
    """What the agent has invoiced, collected and earned, and what its wallet holds."""
    return answer(Summary.of(data_access.financial_summary(visible_agent(agent_id))))


@bp.post("/agents")
@operation("agents", {"HTTP_201": Agent}, CHANGES, json=NewAgent, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "agents.manage")
@idempotent
def create_agent(json: NewAgent):
    """A new agent with its wallet, zeroed figures and the house branding."""
    result = run(CreateAgent(
        idempotency_key=command_key(), slug=json.slug, agent_name=json.name, email=json.email,
        commission_rate_bps=json.commission_rate_bps, currency=json.currency, phone=json.phone,
    ))  # fmt: skip
    return _agent_answer(result.agent_id, 201, result.replayed)


@bp.patch("/agents/<int:agent_id>")
@operation("agents", {"HTTP_200": Agent}, CHANGES, json=AgentChanges, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "agents.manage")
@idempotent
def update_agent(agent_id: int, json: AgentChanges):
    """Change the agent's name, e-mail, phone or rate (new payments earn at the new rate)."""
    agent = visible_agent(agent_id)
    result = run(UpdateAgent(
        idempotency_key=command_key(), agent_id=agent.id, agent_name=json.name or agent.name,
        email=json.email or agent.email, phone=json.phone if "phone" in json.model_fields_set else agent.phone,
        commission_rate_bps=agent.commission_rate_bps if json.commission_rate_bps is None else json.commission_rate_bps,
    ))  # fmt: skip
    return _agent_answer(result.agent_id, 200, result.replayed)


@bp.post("/agents/<int:agent_id>/suspend")
@operation("agents", {"HTTP_200": Agent}, CHANGES, json=StatusChange, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "agents.manage")
@idempotent
def suspend_agent(agent_id: int, json: StatusChange):
    """Suspend the agent: its log-ins and tokens stop working, it can request no payout."""
    return _set_status(agent_id, AgentStatus.SUSPENDED, json.reason)


@bp.post("/agents/<int:agent_id>/reactivate")
@operation("agents", {"HTTP_200": Agent}, CHANGES, json=StatusChange, headers=IdempotencyHeaders)
@allow(ApiScope.ADMIN, "agents.manage")
@idempotent
def reactivate_agent(agent_id: int, json: StatusChange):
    """Make a suspended agent active again."""
    return _set_status(agent_id, AgentStatus.ACTIVE, json.reason)


def _set_status(agent_id: int, status: AgentStatus, reason: str):
    agent = visible_agent(agent_id)
    result = run(SetAgentStatus(idempotency_key=command_key(), agent_id=agent.id, status=status, reason=reason))
    return _agent_answer(result.agent_id, 200, result.replayed)


def _agent_answer(agent_id: int, status: int, replayed: bool):
    agent = visible_agent(agent_id)
    location = url_for("api.get_agent", agent_id=agent_id) if status == 201 else None
    return answer(Agent.of(agent), status, location=location, replayed=replayed)
