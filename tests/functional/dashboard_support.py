"""Shared helpers for the dashboard tests: demo data, logging in by role, real URLs for every route."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.models import Commission, Invoice, Payment, Payout, User
from portal.seed.demo import load_demo_data
from tests.functional.conftest import csrf_token_from

DEMO_LOGINS = {
    "admin": ("admin@demo.example", "demo-admin-password"),
    "finance": ("finance@demo.example", "demo-finance-password"),
    "viewer": ("viewer@demo.example", "demo-viewer-password"),
    "agent": ("agent@northwind.example", "demo-agent-password"),
}


def load_demo(app, session) -> dict[str, int]:
    """Demo data, and the ids the dashboard's URLs need."""
    with app.app_context():
        load_demo_data(session)
    return {
        "agent_id": session.scalar(sa.select(sa.func.min(Invoice.agent_id))),
        "invoice_id": session.scalar(sa.select(sa.func.min(Invoice.id)).where(Invoice.status == "issued")),
        "payment_id": session.scalar(sa.select(sa.func.min(Payment.id))),
        "commission_id": session.scalar(sa.select(sa.func.min(Commission.id)).where(Commission.status == "pending")),
        "payout_id": session.scalar(sa.select(sa.func.min(Payout.id)).where(Payout.status == "requested")),
        "user_id": session.scalar(sa.select(User.id).where(User.email == "viewer@demo.example")),
        "name": "smtp_password",
        "token_id": 1,
    }


def log_in_as(client, role: str) -> None:
    email, password = DEMO_LOGINS[role]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 303, f"{role} could not log in"


def dashboard_routes(app, ids: dict[str, int]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every dashboard route, with real ids filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard."):
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return sorted(routes)


def page_token(client, url: str = "/dashboard/agents") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))
