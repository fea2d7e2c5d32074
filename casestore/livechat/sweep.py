"""Expiring chats nobody took in time, from a process that runs anyway.

Every API call and console page already expires overdue chats lazily; this
sweep makes sure a resident who sends nothing more is told too. The
``notifier`` command (cli.py) gives ``sweep`` to the notifier loop as one of its
chores, run after each pass; ``flask --app casestore livechat-sweep`` runs it
once (for a cron job).
"""

from __future__ import annotations

import click
from flask import Flask

from ..db import chore_pass
from ..logs import get_logger
from ..models import utcnow
from .service import expire_overdue
from .settings import livechat_settings

log = get_logger("casestore.livechat")


def sweep() -> int:
    """Expire every chat that waited past the timeout; return how many (app context needed)."""
    return chore_pass(
        lambda session: len(expire_overdue(session, livechat_settings(), utcnow())),
        lambda exc: log.error("live_chat_sweep_failed", error=type(exc).__name__))


def register_cli(app: Flask) -> None:
    """Add ``flask livechat-sweep``."""

    @app.cli.command("livechat-sweep")
    def livechat_sweep() -> None:
        """Tell residents whose chat waited past LIVECHAT_WAIT_TIMEOUT_S that nobody is free."""
        click.echo(f"{sweep()} chats expired")
