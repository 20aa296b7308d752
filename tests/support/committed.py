"""A PostgreSQL database of a test module's own, where every command really commits (for races, locks, plans)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Flask
from flask_migrate import upgrade

from portal.extensions import db
from tests.conftest import make_app


def committed_app(
    postgres_databases, tmp_path_factory, name: str, pool_size: int | None = None,
    prepare: Callable[[], None] | None = None,
) -> Iterator[Flask]:  # fmt: skip
    """Migrate a new database (``prepare`` then fills it, in the app's context); dispose of its pool afterwards."""
    app = make_app(postgres_databases.create(), tmp_path_factory.mktemp(name))
    if pool_size is not None:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": pool_size, "max_overflow": 10}
    with app.app_context():
        upgrade()
        if prepare is not None:
            prepare()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()
