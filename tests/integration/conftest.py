"""Integration tests run once on SQLite and once on PostgreSQL."""

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request):
    return request.getfixturevalue(f"{'postgres' if request.param == 'postgresql' else 'sqlite'}_app")


@pytest.fixture
def backend(app) -> str:
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


@pytest.fixture
def db_session(db_session, app):
    """Integration tests call services directly, inside the application's context."""
    with app.app_context():
        yield db_session
