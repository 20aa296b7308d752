"""Migrations build the schema from empty, match the models, and tear it down again."""

from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.models import AuditEvent, Base
from portal.models.audit import agent_of
from portal.persistence.audit_chain import verify_chain
from portal.persistence.audit_events import chain_key
from portal.seed.demo import load_demo_data
from tests.conftest import make_app

#: The revision before audit events were given the agent of their row.
BEFORE_AGENT_BACKFILL = "ef0a1b2c3d4e"


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


def test_the_agent_backfill_names_each_earlier_event_s_agent_as_the_unit_of_work_now_does(empty_database_url, tmp_path):
    app = make_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade()
        load_demo_data(db.session)
        events = AuditEvent.__table__
        stored = db.session.execute(sa.select(events.c.seq, events.c.agent_id).order_by(events.c.seq)).all()
        # The agent each event had before the unit of work read it from the row: only where its documents said.
        documents = db.session.execute(sa.select(events.c.seq, events.c.entity_type, events.c.entity_id,
                                                 events.c.before, events.c.after)).mappings()  # fmt: skip
        earlier = [{"at": row["seq"], "agent": agent_of(dict(row))} for row in documents]
        db.session.execute(sa.update(events).where(events.c.seq == sa.bindparam("at")).values(
            agent_id=sa.bindparam("agent")), earlier)  # fmt: skip
        db.session.commit()
        unnamed = db.session.scalar(sa.select(sa.func.count()).where(events.c.agent_id.is_(None)))
        db.session.remove()  # its read transaction would keep seeing the events as they were

        downgrade(revision=BEFORE_AGENT_BACKFILL)
        upgrade()
        backfilled = db.session.execute(sa.select(events.c.seq, events.c.agent_id).order_by(events.c.seq)).all()
        report = verify_chain(db.session, chain_key())
        db.session.remove()
        db.engine.dispose()
    assert unnamed > sum(1 for _, agent_id in stored if agent_id is None), "the demo's updates had lost their agent"
    assert backfilled == stored
    assert report.holds and report.checked == len(stored)
