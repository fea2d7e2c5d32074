"""Operator commands: ``flask --app casestore <command>``."""

from __future__ import annotations

import click

from .migrate import upgrade_database


def register_cli(app) -> None:
    """Add the case store's commands to ``app.cli``."""

    @app.cli.command("migrate")
    def migrate_command():
        """Upgrade the database schema to the latest revision."""
        upgrade_database(app.config["DATABASE_URL"])
        click.echo("database schema is up to date")
