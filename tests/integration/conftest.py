"""Integration tests run once on SQLite and once on PostgreSQL."""

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request):
    return request.getfixturevalue(f"{'postgres' if request.param == 'postgresql' else 'sqlite'}_app")


@pytest.fixture
def backend(app) -> str:
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


@pytest.fixture(autouse=True)
def app_context(app, db_session):
    """Integration tests call services directly, inside the application's context."""
    with app.app_context():
        yield
