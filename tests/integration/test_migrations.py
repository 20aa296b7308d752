"""Migrations build the schema from empty, match the models, and tear it down again."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.models import Base
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, sqlite_databases):
    if request.param == "sqlite":
        return sqlite_databases()
    return request.getfixturevalue("postgres_databases").create()


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_matches_the_models_and_downgrade_removes_everything(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path)
    with app.app_context():
        assert _tables(db.engine) == set()

        upgrade()
        assert _tables(db.engine) == set(Base.metadata.tables)
        with db.engine.connect() as connection, warnings.catch_warnings():
            # SQLite cannot reflect an index on an expression (lower(name)); PostgreSQL compares it.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            drift = compare_metadata(context, Base.metadata)
        assert drift == [], f"models and migrations differ: {drift}"

        downgrade(revision="base")
        assert _tables(db.engine) == set()

        upgrade()
        assert _tables(db.engine) == set(Base.metadata.tables)
        db.engine.dispose()


def test_the_audit_chain_starts_at_genesis(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            head = connection.execute(sa.text("SELECT last_seq, last_hash FROM audit_chain_head")).one()
        db.engine.dispose()
    assert head == (0, "0" * 64)
