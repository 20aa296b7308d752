"""Command-line entry points: ``flask --app wsgi <command>``."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from portal.cli.audit import audit
    from portal.cli.flags import flags
    from portal.cli.money import commissions, ledger, summaries
    from portal.cli.notifications import notifications
    from portal.cli.rollout import rollout
    from portal.cli.seed import seed
    from portal.cli.settings import keys, settings
    from portal.cli.tokens import tokens
    from portal.cli.users import users

    for command in (
        seed,
        audit,
        ledger,
        summaries,
        commissions,
        settings,
        keys,
        notifications,
        tokens,
        flags,
        rollout,
        users,
    ):
        app.cli.add_command(command)
