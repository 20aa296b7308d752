"""Alembic environment: the application's engine and metadata, batch mode for SQLite."""

import logging

import sqlalchemy as sa
from alembic import context
from flask import current_app

from portal.models.base import UTCDateTime

logger = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def run_migrations_offline() -> None:
    context.configure(url=str(migrate_ext.db.engine.url), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _skip_empty_autogenerate(context_, revision, directives) -> None:
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def _render_portable_types(type_, obj, autogen_context):
    """Render the application's column types with plain SQLAlchemy ones.

    Migrations must not import application code: it changes, they must not.
    """
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def run_migrations_online() -> None:
    configure_args = dict(migrate_ext.configure_args)
    configure_args.setdefault("process_revision_directives", _skip_empty_autogenerate)
    configure_args.setdefault("render_item", _render_portable_types)
    with migrate_ext.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild tables: foreign keys are checked once at the end.
            # The pragma only takes effect outside a transaction, hence the driver connection.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
            configure_args.setdefault("transactional_ddl", True)
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.rollback()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
            if problems:
                raise RuntimeError(f"foreign key violations after migration: {problems[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
