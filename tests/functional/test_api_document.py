"""The OpenAPI document is valid 3.1, describes every route of the API and nothing else, and has its page."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.support.api import bearer, make_token

SPEC_ONLY = {"/api/v1/openapi.json", "/api/v1/docs"}


def _document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(client):
    document = _document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_is_documented_and_every_documented_route_exists(app, client):
    document = _document(client)
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.rule not in SPEC_ONLY:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routed |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    assert len(routed) >= 30


def test_every_operation_documents_its_problems_as_problem_json(client):
    for path, item in _document(client)["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert {"401", "403", "429"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    assert set(response["content"]) == {"application/problem+json"}, (method, path, status)
            if method == "post":
                names = {parameter["name"] for parameter in operation.get("parameters", [])}
                assert "Idempotency-Key" in names, path


def test_path_ids_are_bounded_as_the_routes_bound_them(client):
    for item in _document(client)["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_money_is_never_a_float_in_the_document(client):
    schemas = _document(client)["components"]["schemas"]
    for name, schema in schemas.items():
        for field, definition in schema.get("properties", {}).items():
            if field.endswith("_minor"):
                assert definition.get("type") == "integer", (name, field)
    assert not any(definition.get("type") == "number" for schema in schemas.values()
                   for definition in schema.get("properties", {}).values())  # fmt: skip


def test_the_documentation_page_loads_only_vendored_files(app, client, db_session):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "http" not in html.replace("http-equiv", "")
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        with client.get(asset) as loaded:
            assert loaded.status_code == 200, asset
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_document_is_public_but_every_operation_needs_a_token(app, client, db_session):
    token = make_token(app, db_session)
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/feature-flags").status_code == 401
    assert client.get("/api/v1/feature-flags", headers=bearer(token)).status_code == 200
