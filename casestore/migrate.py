"""Running the alembic migrations in casestore/migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """Return an alembic Config for ``database_url`` (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Upgrade the database at ``database_url`` to ``revision`` (default: head)."""
    command.upgrade(alembic_config(database_url), revision)
