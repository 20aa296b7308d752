"""Command-line entry points: ``flask --app wsgi <command>``."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from portal.cli.audit import audit
    from portal.cli.seed import seed

    app.cli.add_command(seed)
    app.cli.add_command(audit)
